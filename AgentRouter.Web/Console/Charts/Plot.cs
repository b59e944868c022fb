using System.Globalization;

namespace AgentRouter.Web.Console.Charts;

/// <summary>What a number on a chart means, so axes and tooltips print it as such.</summary>
public enum ChartUnit { Count, Tokens, Money, Milliseconds }

/// <summary>One named line or set of bars; null where there is no value (a gap in a line).</summary>
public sealed record PlotSeries(string Name, IReadOnlyList<double?> Values);

/// <summary>A chart's data: one label per x position and the series plotted over them.</summary>
public sealed record Plot(IReadOnlyList<string> Labels, IReadOnlyList<PlotSeries> Series, ChartUnit Unit)
{
    public bool IsEmpty => Series.All(s => s.Values.All(v => v is null or 0));
}

/// <summary>Axis scaling and number formatting for the console's charts, culture-independent (money through
/// <see cref="Money"/>). Kept apart from the markup so it is tested without a renderer.</summary>
public static class ChartFormat
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>A round tick spacing (1, 2, 2.5 or 5 times a power of ten) that divides 0..<paramref name="max"/> into at
    /// most <paramref name="maxTicks"/> steps.</summary>
    public static double NiceStep(double max, int maxTicks = 5)
    {
        if (!(max > 0) || double.IsInfinity(max))
            return 1;
        var raw = max / maxTicks;
        var power = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        foreach (var factor in new[] { 1, 2, 2.5, 5, 10 })
            if (factor * power >= raw * (1 - 1e-9))
                return factor * power;
        return 10 * power;
    }

    /// <summary>The x labels to print: every k-th, so no more than <paramref name="max"/> show. The others are made of
    /// zero-width spaces, one more for each position: invisible, yet each is unique, so a tooltip can tell where it is.</summary>
    public static string[] Thin(IReadOnlyList<string> labels, int max)
    {
        var every = Math.Max(1, (int)Math.Ceiling(labels.Count / (double)Math.Max(1, max)));
        return labels.Select((label, i) => i % every == 0 ? label : new string('\u200B', i + 1)).ToArray();
    }

    /// <summary>An axis tick: short, with K/M/B for thousands, millions and billions, and as many decimals as the tick
    /// spacing needs ($0.005, $0.01, 1.5K tokens, 250 ms, 1.5 s).</summary>
    public static string Tick(double value, ChartUnit unit, double step)
    {
        if (value == 0)
            return unit switch { ChartUnit.Money => Money.Culture.NumberFormat.CurrencySymbol + "0", ChartUnit.Milliseconds => "0 ms", _ => "0" };
        if (unit == ChartUnit.Milliseconds)
            return value >= 1000 && step >= 100 ? Compact(value / 1000, step / 1000) + " s" : Compact(value, step) + " ms";
        var text = Compact(value, step);
        return unit == ChartUnit.Money ? Money.Culture.NumberFormat.CurrencySymbol + text : text;
    }

    /// <summary>An exact value for a tooltip or a table cell.</summary>
    public static string Exact(double value, ChartUnit unit) => unit switch
    {
        ChartUnit.Money => Amount((decimal)value),
        ChartUnit.Tokens => value.ToString("#,0", Invariant) + " tokens",
        ChartUnit.Milliseconds => value.ToString("#,0", Invariant) + " ms",
        _ => value.ToString("#,0.##", Invariant),
    };

    /// <summary>Money to the cent, except that an amount between zero and one cent reads "&lt; $0.01" rather than a
    /// "$0.00" that would contradict a total of $0.01.</summary>
    public static string Amount(decimal amount) =>
        amount != 0 && Math.Abs(amount) < 0.005m
            ? (amount < 0 ? "> -" : "< ") + 0.01m.ToString("C2", Money.Culture)
            : amount.ToString("C2", Money.Culture);

    /// <summary>Lines a latency chart draws at most; the busiest series win.</summary>
    public const int MaxLatencySeries = 8;

    /// <summary>One line per model or account: the chosen metric (<c>latency</c> or <c>ttfb</c>) and percentile
    /// (<c>p50</c> or <c>p95</c>) per time bucket, gaps where nothing ran.</summary>
    public static Plot LatencyPlot(Billing.LatencyReport report, string metric, string percentile) =>
        new(report.Buckets, report.Series.Take(MaxLatencySeries).Select(s => new PlotSeries(s.Name, ((metric, percentile) switch
        {
            ("ttfb", "p50") => s.P50FirstByte,
            ("ttfb", _) => s.P95FirstByte,
            (_, "p50") => s.P50Latency,
            _ => s.P95Latency,
        }).Select(v => (double?)v).ToList())).ToList(), ChartUnit.Milliseconds);

    /// <summary>A token count short enough for a stat or a narrow column: exact below 100,000, else three significant
    /// digits with K, M or B (88.6B, 2.24B, 190M).</summary>
    public static string Tokens(long tokens)
    {
        if (Math.Abs(tokens) < 100_000)
            return tokens.ToString("#,0", Invariant);
        var (divisor, suffix) = Math.Abs(tokens) >= 1_000_000_000 ? (1e9, "B") : Math.Abs(tokens) >= 1_000_000 ? (1e6, "M") : (1e3, "K");
        var scaled = tokens / divisor;
        return scaled.ToString(Math.Abs(scaled) < 10 ? "0.##" : Math.Abs(scaled) < 100 ? "0.#" : "#,0", Invariant) + suffix;
    }

    private static string Compact(double value, double step)
    {
        var (divisor, suffix) = Math.Abs(value) >= 1e9 || step >= 1e9 ? (1e9, "B") : Math.Abs(value) >= 1e6 || step >= 1e6 ? (1e6, "M")
            : Math.Abs(value) >= 1e3 || step >= 1e3 ? (1e3, "K") : (1d, "");
        var scaledStep = step / divisor;
        // As many decimals as the spacing itself has (0.25 → 2, 2.5 → 1, 5 → 0).
        var decimals = 0;
        while (decimals < 6 && Math.Abs(scaledStep * Math.Pow(10, decimals) - Math.Round(scaledStep * Math.Pow(10, decimals))) > 1e-6)
            decimals++;
        return (value / divisor).ToString("#,0." + new string('0', decimals), Invariant).TrimEnd('.') + suffix;
    }

}
