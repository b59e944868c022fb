using System.Globalization;
using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Console;

/// <summary>The one place the console formats amounts: culture-independent digits (<c>1,234.56</c>, never the server's
/// culture, whose invariant form prints "¤") with the configured currency (<c>Console:Currency</c>, US dollars unless
/// configured). Amounts are shown as recorded; nothing is converted.</summary>
public static class Money
{
    private static NumberFormatInfo _format = FormatFor(ConsoleOptions.DefaultCurrency, null);

    /// <summary>For grids that take a format and a culture: <c>Format="C2" Culture="Money.Culture"</c>.</summary>
    public static CultureInfo Culture { get; private set; } = CultureFor(_format);

    public static string Currency { get; private set; } = ConsoleOptions.DefaultCurrency;

    /// <summary>Two decimals: totals, budgets, prices.</summary>
    public static string Usd(decimal amount) => Format(amount, 2);

    /// <summary>Four decimals: one request's cost, which is often a fraction of a cent.</summary>
    public static string Precise(decimal amount) => Format(amount, 4);

    public static string Format(decimal amount, int decimals) => amount.ToString("C" + decimals, _format);

    /// <summary>Formats with an explicit currency, for tests and previews.</summary>
    public static string Format(decimal amount, int decimals, string currency, string? symbol = null) => amount.ToString("C" + decimals, FormatFor(currency, symbol));

    /// <summary>Called once at start with the validated options.</summary>
    internal static void Configure(ConsoleOptions options)
    {
        _format = FormatFor(options.Currency, options.CurrencySymbol);
        Culture = CultureFor(_format);
        Currency = options.Currency.ToUpperInvariant();
    }

    /// <summary>Symbols for the common currencies; any other ISO code is written before the amount.</summary>
    public static string SymbolFor(string currency) => currency.ToUpperInvariant() switch
    {
        "USD" => "$",
        "EUR" => "€",
        "GBP" => "£",
        "JPY" => "¥",
        "INR" => "₹",
        "CAD" => "CA$",
        "AUD" => "A$",
        var code => code + "\u00a0",
    };

    private static NumberFormatInfo FormatFor(string currency, string? symbol)
    {
        var format = (NumberFormatInfo)CultureInfo.InvariantCulture.NumberFormat.Clone();
        format.CurrencySymbol = string.IsNullOrEmpty(symbol) ? SymbolFor(currency) : symbol;
        format.CurrencyPositivePattern = 0; // $n
        format.CurrencyNegativePattern = 1; // -$n
        return NumberFormatInfo.ReadOnly(format);
    }

    private static CultureInfo CultureFor(NumberFormatInfo format)
    {
        var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        culture.NumberFormat = (NumberFormatInfo)format.Clone();
        return CultureInfo.ReadOnly(culture);
    }
}

/// <summary>Console settings (<c>Console</c> section).</summary>
public sealed class ConsoleOptions
{
    public const string Section = "Console";
    public const string DefaultCurrency = "USD";

    /// <summary>ISO 4217 code of the currency prices and costs are kept in. Dollars unless configured.</summary>
    public string Currency { get; set; } = DefaultCurrency;

    /// <summary>Overrides the symbol shown for <see cref="Currency"/> (e.g. "CHF ").</summary>
    public string? CurrencySymbol { get; set; }
}

internal sealed class ValidateConsoleOptions : IValidateOptions<ConsoleOptions>
{
    public ValidateOptionsResult Validate(string? name, ConsoleOptions options)
    {
        List<string> problems = [];
        if (options.Currency is not { Length: 3 } code || !code.All(char.IsAsciiLetter))
            problems.Add("Console:Currency must be a three-letter ISO 4217 code, e.g. USD or EUR.");
        if (options.CurrencySymbol is { Length: > 8 })
            problems.Add("Console:CurrencySymbol must be at most 8 characters.");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
