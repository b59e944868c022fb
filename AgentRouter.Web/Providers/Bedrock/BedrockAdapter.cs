using System.Text.Json;
using AgentRouter.Web.Admin;
using AgentRouter.Web.Gateway;

namespace AgentRouter.Web.Providers.Bedrock;

/// <summary>Claude on Amazon Bedrock, from the Anthropic dialect (what Claude Code speaks): the model in the path, the
/// body in Bedrock's Anthropic shape, SigV4 (or a Bedrock API key) for authentication, and the answer's event stream
/// re-encoded as Anthropic SSE. Settings: the region and the accepted beta flags; secret: an access key (optionally
/// temporary) or an API key.</summary>
public sealed class BedrockAdapter(TimeProvider clock, ILogger<BedrockAdapter> logger) : IProviderAdapter
{
    /// <summary>Stands for the region's own runtime host, <c>https://bedrock-runtime.{region}.amazonaws.com</c>; any other
    /// base URL (a VPC endpoint, a test fake) is used as it is, and signed for its own host.</summary>
    public const string RegionalBaseUrl = "https://bedrock-runtime.amazonaws.com";

    /// <summary>Regions with Claude on Bedrock, offered by the console (the admin API takes any region code).</summary>
    private static readonly string[] Regions =
    [
        "us-east-1", "us-east-2", "us-west-2", "ca-central-1", "sa-east-1", "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2",
        "eu-west-3", "eu-north-1", "eu-south-1", "eu-south-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1",
        "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-4", "us-gov-west-1", "us-gov-east-1",
    ];

    private static readonly ProviderField[] SettingsAndCredential =
    [
        new("region", "AWS region", Secret: false, Required: true, Help: "Where the account invokes Claude, e.g. us-east-1", Choices: Regions),
        new("acceptedBetas", "Accepted Anthropic beta flags", Secret: false, Required: false,
            Help: "Comma-separated flags passed on in anthropic_beta; empty for the flags Bedrock is known to accept"),
        new("accessKeyId", "Access key id", Secret: true, Required: false, Help: "An IAM access key allowed bedrock:InvokeModel*; or leave the key fields empty and give an API key"),
        new("secretAccessKey", "Secret access key", Secret: true, Required: false),
        new("sessionToken", "Session token", Secret: true, Required: false, Help: "Only for temporary credentials"),
        new("apiKey", "Bedrock API key", Secret: true, Required: false, Help: "Instead of an access key: sent as a bearer token"),
    ];

    public ProviderKind Kind => ProviderKind.Bedrock;
    public string Name => "bedrock";
    public string DisplayName => "Amazon Bedrock";
    public string TelemetryName => "aws.bedrock";
    public string DefaultBaseUrl => RegionalBaseUrl;
    public IReadOnlyList<ProviderField> Fields => SettingsAndCredential;

    public ProviderConfiguration Configure(JsonElement? settings, JsonElement? credential, Problems problems)
    {
        var parsed = BedrockSettings.Parse(settings, out var settingProblems);
        foreach (var (field, message) in settingProblems)
            problems.Add(field, message);
        string? secret = null;
        if (credential is { } given)
        {
            if (BedrockCredential.Parse(given, out var problem) is { } read)
                secret = read.ToJson();
            else
                problems.Add("credential", problem!);
        }
        return new(parsed?.ToJson(), secret);
    }

    /// <summary>The last four of the access key id (or of the API key): never any of the secret.</summary>
    public string Hint(string secret) => BedrockCredential.FromStored(secret)?.Hint ?? "";

    public object? Bind(UpstreamAccount account)
    {
        var settings = BedrockSettings.FromStored(account.Settings?.GetRawText());
        var credential = account.Credential is { } stored ? BedrockCredential.FromStored(stored) : null;
        return settings is null || credential is null ? null
            : new BoundAccount(settings, credential, account.BaseUrl == RegionalBaseUrl ? BedrockRequests.RuntimeBaseUrl(settings.Region) : account.BaseUrl);
    }

    public bool Serves(ApiSurface surface) => surface == ApiSurface.AnthropicMessages || surface == ApiSurface.AnthropicCountTokens;

    /// <summary>The common headers but <c>accept</c> (Bedrock reads it as the answer's format: the plan sets its own).
    /// <c>anthropic-beta</c> travels in the body, <c>anthropic-version</c> not at all.</summary>
    public bool IsHeaderAllowed(string name) => ForwardedHeaders.IsCommon(name) && !name.Equals("accept", StringComparison.OrdinalIgnoreCase);

    public ValueTask<UpstreamPlan> PlanAsync(UpstreamCall call, CancellationToken cancellationToken)
    {
        if (call.Account.State is not BoundAccount account)
            return ValueTask.FromResult(UpstreamPlan.Refuse(GatewayError.BadGateway(
                $"Provider account '{call.Account.Name}' has no usable Amazon Bedrock region or credential; an administrator must fix it."), UsageErrors.UpstreamUnreachable));
        var countTokens = call.Surface == ApiSurface.AnthropicCountTokens;
        var stream = call.Streams;
        var betas = BedrockRequests.AcceptedBetas(call.CallerHeaders["anthropic-beta"], account.Settings.Betas);
        call.Body.Replace(countTokens ? BedrockRequests.CountTokensBody(call.Body.Span, betas) : BedrockRequests.InvokeBody(call.Body.Span, betas));
        return ValueTask.FromResult(new UpstreamPlan
        {
            // No query: Claude Code's ?beta=true is Anthropic's; Bedrock takes the flags in the body.
            Url = countTokens ? BedrockRequests.CountTokensUrl(account.BaseUrl, call.UpstreamModel)
                : BedrockRequests.InvokeUrl(account.BaseUrl, call.UpstreamModel, stream),
            Headers = countTokens || !stream
                ? [new("accept", "application/json")]
                : [new("accept", BedrockResponses.EventStreamContentType), new("x-amzn-bedrock-accept", "application/json")],
            Sign = (request, body) => BedrockSigner.Sign(request, body.Span, account.Credential, account.Settings.Region, clock.GetUtcNow()),
            Decoder = new BedrockResponses(countTokens, call.Account.Name, logger),
        });
    }

    public async Task<ConnectionResult> TestConnectionAsync(UpstreamAccount account, HttpClient http, CancellationToken cancellationToken)
    {
        if (account.State is not BoundAccount bound)
            return new(false, $"{account.Name} has no usable Amazon Bedrock region or credential: set the region and give the credential again.");
        var (ok, message) = await BedrockConnectionTest.RunAsync(http, account.Name, account.BaseUrl == RegionalBaseUrl ? null : bound.BaseUrl,
            bound.Settings, bound.Credential, clock.GetUtcNow(), cancellationToken);
        return new(ok, message);
    }

    /// <summary>An account's settings and credential, read once when the policy snapshot loads.</summary>
    private sealed record BoundAccount(BedrockSettings Settings, BedrockCredential Credential, string BaseUrl);
}
