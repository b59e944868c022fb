using AgentRouter.Web.Providers;

namespace AgentRouter.Web.Console;

/// <summary>Which catalog models a pin may move to: the same vendor family (a Claude pin moves to Claude models, never
/// to a GPT), and sandbox models only from sandbox models, since one provider account serves them.</summary>
public static class PinCandidates
{
    public static List<CatalogView> For(string current, IEnumerable<CatalogView> catalog)
    {
        var family = Family(current);
        return catalog.Where(c => c.Model != current && Family(c.Model) == family).OrderBy(c => c.Model, StringComparer.Ordinal).ToList();
    }

    /// <summary>The vendor family of a model id, with a marker for the sandbox's simulated models.</summary>
    public static string Family(string model)
    {
        var id = model.Trim().ToLowerInvariant();
        var sandbox = id.StartsWith("sandbox-", StringComparison.Ordinal);
        if (sandbox)
            id = id["sandbox-".Length..];
        // Bedrock and Vertex ids carry a vendor prefix: "anthropic.claude-…", "publishers/google/models/gemini-…".
        var vendor = id.Contains("claude", StringComparison.Ordinal) ? "anthropic"
            : id.Contains("gemini", StringComparison.Ordinal) || id.Contains("gemma", StringComparison.Ordinal) ? "google"
            : id.StartsWith("gpt", StringComparison.Ordinal) || id.StartsWith("chatgpt", StringComparison.Ordinal) || id.StartsWith("o1", StringComparison.Ordinal)
              || id.StartsWith("o3", StringComparison.Ordinal) || id.StartsWith("o4", StringComparison.Ordinal) || id.StartsWith("codex", StringComparison.Ordinal) ? "openai"
            : id.Split('-', '.', '/')[0];
        return sandbox ? "sandbox:" + vendor : vendor;
    }

    /// <summary>"+$3.00 (+100%)", "−$1.00 (−20%)" or "same": a price's change per million tokens.</summary>
    public static string Difference(decimal from, decimal to)
    {
        if (from == to)
            return "same";
        var sign = to > from ? "+" : "−";
        var percent = from == 0 ? "" : $" ({sign}{Math.Abs((to - from) / from * 100).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)}%)";
        return sign + Money.Usd(Math.Abs(to - from)) + percent;
    }
}
