using System.Globalization;
using System.Text;

namespace AgentRouter.Web.Billing;

/// <summary>RFC 4180 CSV for finance exports.</summary>
internal sealed class Csv
{
    private readonly StringBuilder _text = new();

    public Csv Row(params object?[] cells)
    {
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0)
                _text.Append(',');
            _text.Append(Cell(cells[i]));
        }
        _text.Append("\r\n");
        return this;
    }

    public override string ToString() => _text.ToString();

    private static string Cell(object? value) => value switch
    {
        null => "",
        string text => Text(text),
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => Text(value.ToString() ?? ""),
    };

    private static string Text(string text)
    {
        // Agent names come from a request header: a cell that a spreadsheet would run as a formula is defused.
        if (text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
            text = "'" + text;
        return text.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + text.Replace("\"", "\"\"") + "\"" : text;
    }
}
