using System.Collections.Frozen;

namespace AgentRouter.Web.Mcp;

/// <summary>An MCP server as the gateway uses it. Holds the decrypted secret, so it never prints it.</summary>
public sealed class McpUpstream(Guid id, string name, string url, McpAuthKind authKind, string? authHeader, string? secret)
{
    public Guid Id { get; } = id;
    public string Name { get; } = name;
    public string Url { get; } = url;
    public McpAuthKind AuthKind { get; } = authKind;
    public string? AuthHeader { get; } = authHeader;
    internal string? Secret { get; } = secret;

    /// <summary>Adds the server's credential, the way it was registered, to a request that carries no client credential.</summary>
    internal void AddCredential(System.Net.Http.Headers.HttpRequestHeaders headers)
    {
        if (Secret is not { Length: > 0 } secret)
            return;
        if (AuthKind == McpAuthKind.Bearer)
        {
            headers.Remove("authorization");
            headers.TryAddWithoutValidation("authorization", "Bearer " + secret);
        }
        else if (AuthKind == McpAuthKind.Header && AuthHeader is { } header)
        {
            headers.Remove(header);
            headers.TryAddWithoutValidation(header, secret);
        }
    }

    public override string ToString() => $"{Name} (MCP)";
}

/// <summary>A team's grant of one MCP server: every tool, or only those listed.</summary>
public sealed class McpServerGrant(McpUpstream server, IEnumerable<string>? tools, bool resources = false, bool prompts = false)
{
    public McpUpstream Server { get; } = server;

    /// <summary>Null grants every tool of the server.</summary>
    public FrozenSet<string>? Tools { get; } = tools?.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Tool names are compared exactly, as MCP servers dispatch them.</summary>
    public bool Allows(string tool) => Tools is null || Tools.Contains(tool);

    /// <summary>Resources and prompts follow the tools' default deny: a grant restricted to some tools exposes them only
    /// when it says so.</summary>
    public bool AllowsResources { get; } = tools is null || resources;

    public bool AllowsPrompts { get; } = tools is null || prompts;

    /// <summary>Whether a JSON-RPC method of a client request is within the grant (tools are checked by name apart).</summary>
    public bool AllowsMethod(string? method) => method switch
    {
        null => true,
        _ when method.StartsWith("resources/", StringComparison.Ordinal) => AllowsResources,
        _ when method.StartsWith("prompts/", StringComparison.Ordinal) => AllowsPrompts,
        // Completions complete a prompt's or a resource template's arguments.
        "completion/complete" => AllowsResources || AllowsPrompts,
        _ => true,
    };
}
