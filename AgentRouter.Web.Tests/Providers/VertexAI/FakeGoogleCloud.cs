using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRouter.Web.Tests.Fakes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AgentRouter.Web.Tests.Providers.VertexAI;

/// <summary>A loopback fake of the two Google endpoints the router talks to for Vertex AI:
/// <list type="bullet">
/// <item>the OAuth token endpoint (<c>POST /token</c>), which grants a token only for a JWT-bearer assertion whose RS256
/// signature verifies against the public key registered for its issuer, addressed to Google's token audience, asking for the
/// cloud-platform scope;</item>
/// <item>Vertex AI's publisher model endpoints (<c>POST /v1/projects/{p}/locations/{l}/publishers/{anthropic|google}/models/{model}:{method}</c>),
/// which take only a bearer token this fake issued, check what Vertex checks, record the request, and answer in the
/// real Anthropic or Gemini wire format (a <see cref="FakeProvider"/> behind it writes the answer).</item>
/// </list></summary>
public sealed class FakeGoogleCloud : IAsyncDisposable
{
    public const string JwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    public const string CloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform";

    /// <summary>The audience Google's token service requires of an assertion, wherever the key's token_uri points.</summary>
    public const string Audience = "https://oauth2.googleapis.com/token";

    private readonly WebApplication _app;
    private readonly HttpClient _relay = new();
    private readonly ConcurrentDictionary<string, RSAParameters> _publicKeys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _issued = new(StringComparer.Ordinal);
    private readonly List<RecordedRequest> _requests = [];
    private readonly SemaphoreSlim _tokenRequestArrived = new(0);
    private int _tokenRequests;

    private FakeGoogleCloud(WebApplication app, FakeProvider claude, FakeProvider gemini, TimeProvider clock) =>
        (_app, Claude, Gemini, Clock) = (app, claude, gemini, clock);

    public static async Task<FakeGoogleCloud> StartAsync(TimeProvider? clock = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var fake = new FakeGoogleCloud(app, await FakeProvider.StartAsync(FakeDialect.Anthropic), await FakeProvider.StartAsync(FakeDialect.Gemini), clock ?? TimeProvider.System);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        fake.Origin = app.Urls.Single();
        return fake;
    }

    /// <summary>"http://127.0.0.1:PORT": the Vertex AI account's base URL in tests.</summary>
    public string Origin { get; private set; } = "";

    /// <summary>The token endpoint, as a key's <c>token_uri</c> names it (and as assertions must address it).</summary>
    public string TokenUri => Origin + "/token";

    /// <summary>Writes Claude's answers (its <see cref="FakeProvider.Usage"/> and reply are what Vertex answers with).</summary>
    public FakeProvider Claude { get; }

    /// <summary>Writes Gemini's answers.</summary>
    public FakeProvider Gemini { get; }

    /// <summary>The clock assertions' issue times are checked against.</summary>
    public TimeProvider Clock { get; }

    /// <summary>Lifetime of the tokens granted, in seconds (Google grants 3599).</summary>
    public int TokenLifetimeSeconds { get; set; } = 3599;

    /// <summary>When set, the token endpoint refuses every (otherwise valid) assertion this way, e.g. (400, "invalid_scope").</summary>
    public (int Status, string Error, string Description)? Refusal { get; set; }

    /// <summary>When set, the token endpoint waits for this before answering (to hold a mint in flight).</summary>
    public Task? HoldTokens { get; set; }

    /// <summary>How many assertions were posted to the token endpoint, refused or not.</summary>
    public int TokenRequests => Volatile.Read(ref _tokenRequests);

    /// <summary>Every Vertex AI request received, in arrival order (token requests are not in it).</summary>
    public IReadOnlyList<RecordedRequest> Requests { get { lock (_requests) return _requests.ToArray(); } }

    public RecordedRequest LastRequest { get { lock (_requests) return _requests[^1]; } }

    /// <summary>Tokens granted so far.</summary>
    public IReadOnlyCollection<string> IssuedTokens => _issued.Keys.ToArray();

    /// <summary>Makes a service account known: only its public half; assertions of unknown issuers are refused.</summary>
    public void Register(TestServiceAccount account) => _publicKeys[account.Email] = account.PublicKey;

    /// <summary>Forgets a service account's key, as deleting the key in Google Cloud does.</summary>
    public void Revoke(TestServiceAccount account) => _publicKeys.TryRemove(account.Email, out _);

    /// <summary>Completes when the next assertion (after those already awaited) reaches the token endpoint.</summary>
    public Task WaitForTokenRequestAsync() => _tokenRequestArrived.WaitAsync(TimeSpan.FromSeconds(15)).ContinueWith(t =>
    {
        if (!t.Result) throw new TimeoutException("No token request reached the fake token endpoint.");
    }, TaskScheduler.Default);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(new CancellationToken(canceled: true));
        await _app.DisposeAsync();
        await Claude.DisposeAsync();
        await Gemini.DisposeAsync();
        _relay.Dispose();
    }

    private Task HandleAsync(HttpContext ctx) =>
        ctx.Request.Path == "/token" ? TokenAsync(ctx) : VertexAsync(ctx);

    private async Task TokenAsync(HttpContext ctx)
    {
        Interlocked.Increment(ref _tokenRequests);
        _tokenRequestArrived.Release();
        if (HoldTokens is { } hold)
            await hold;
        var form = await ctx.Request.ReadFormAsync();
        if (form["grant_type"] != JwtBearerGrant)
        {
            await TokenErrorAsync(ctx, 400, "unsupported_grant_type", "Invalid grant_type: " + form["grant_type"]);
            return;
        }
        if (Verify(form["assertion"].ToString()) is { } invalid)
        {
            await TokenErrorAsync(ctx, 400, "invalid_grant", invalid);
            return;
        }
        if (Refusal is { } refusal)
        {
            await TokenErrorAsync(ctx, refusal.Status, refusal.Error, refusal.Description);
            return;
        }
        var token = $"ya29.fake-{Guid.NewGuid():N}";
        _issued[token] = Clock.GetUtcNow().AddSeconds(TokenLifetimeSeconds);
        await ctx.Response.WriteAsJsonAsync(new { access_token = token, expires_in = TokenLifetimeSeconds, token_type = "Bearer" });
    }

    /// <summary>What Google checks of a service account's assertion: an RS256 JWT signed by the issuer's registered key,
    /// for Google's token audience, asking for the cloud-platform scope, valid for at most an hour from about now.</summary>
    private string? Verify(string assertion)
    {
        var parts = assertion.Split('.');
        if (parts.Length != 3)
            return "Invalid JWT: not three parts.";
        JsonElement header, claims;
        try
        {
            header = JsonSerializer.Deserialize<JsonElement>(Base64Url(parts[0]));
            claims = JsonSerializer.Deserialize<JsonElement>(Base64Url(parts[1]));
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            return "Invalid JWT: unreadable.";
        }
        if (header.GetProperty("alg").GetString() != "RS256")
            return "Invalid JWT: alg must be RS256.";
        var issuer = claims.TryGetProperty("iss", out var iss) ? iss.GetString() : null;
        if (issuer is null || !_publicKeys.TryGetValue(issuer, out var publicKey))
            return "Invalid JWT Signature.";
        using (var rsa = RSA.Create(publicKey))
        {
            if (!rsa.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
                return "Invalid JWT Signature.";
        }
        if (claims.GetProperty("aud").GetString() != Audience)
            return "Invalid JWT: Token must be addressed to " + Audience;
        if (claims.GetProperty("scope").GetString() != CloudPlatformScope)
            return "Invalid JWT: scope must be cloud-platform.";
        var (iat, exp) = (claims.GetProperty("iat").GetInt64(), claims.GetProperty("exp").GetInt64());
        var now = Clock.GetUtcNow().ToUnixTimeSeconds();
        if (exp - iat is <= 0 or > 3600 || Math.Abs(iat - now) > 300)
            return "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.";
        return null;
    }

    private static Task TokenErrorAsync(HttpContext ctx, int status, string error, string description)
    {
        ctx.Response.StatusCode = status;
        return ctx.Response.WriteAsJsonAsync(new { error, error_description = description });
    }

    private async Task VertexAsync(HttpContext ctx)
    {
        var request = ctx.Request;
        var body = await new StreamReader(request.Body, Encoding.UTF8).ReadToEndAsync();
        var headers = request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(", ", h.Value.ToArray()), StringComparer.OrdinalIgnoreCase);
        var path = request.Path.Value ?? "";
        lock (_requests) _requests.Add(new(request.Method, path, request.QueryString.Value ?? "", headers, body));

        var bearer = headers.GetValueOrDefault("authorization") is { } auth && auth.StartsWith("Bearer ", StringComparison.Ordinal) ? auth[7..] : null;
        if (bearer is null || !_issued.TryGetValue(bearer, out var expires) || Clock.GetUtcNow() >= expires)
        {
            await GoogleErrorAsync(ctx, 401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token.");
            return;
        }

        // /v1/projects/{p}/locations/{l}/endpoints (connection test) or …/publishers/{publisher}/models/{model}:{method}
        var segments = path.Split('/');
        if (HttpMethods.IsGet(request.Method) && segments is ["", "v1", "projects", _, "locations", _, "endpoints"])
        {
            await ctx.Response.WriteAsync("{}");
            return;
        }
        if (!HttpMethods.IsPost(request.Method) || segments is not ["", "v1", "projects", _, "locations", _, "publishers", var publisher, "models", var modelMethod]
            || modelMethod.LastIndexOf(':') is var colon && colon < 1)
        {
            await GoogleErrorAsync(ctx, 404, "NOT_FOUND", $"No route {request.Method} {path}.");
            return;
        }
        var (model, method) = (modelMethod[..colon], modelMethod[(colon + 1)..]);
        var target = (publisher, method) switch
        {
            ("anthropic", "rawPredict") when model == "count-tokens" => Claude.Origin + "/v1/messages/count_tokens",
            ("anthropic", "rawPredict" or "streamRawPredict") => Claude.Origin + "/v1/messages",
            ("google", "generateContent" or "streamGenerateContent" or "countTokens") => $"{Gemini.Origin}/v1beta/models/{model}:{method}{request.QueryString}",
            _ => null,
        };
        if (target is null)
        {
            await GoogleErrorAsync(ctx, 404, "NOT_FOUND", $"Publisher model method {publisher}/{method} does not exist.");
            return;
        }
        var json = JsonNode.Parse(body) as JsonObject;
        if (publisher == "anthropic")
        {
            // What Vertex AI insists on for Claude: its API version in the body, and the model in the path only.
            if (json?["anthropic_version"]?.GetValue<string>() != "vertex-2023-10-16")
            {
                await AnthropicErrorAsync(ctx, "anthropic_version: Input should be 'vertex-2023-10-16'");
                return;
            }
            if (model == "count-tokens" != json.ContainsKey("model"))
            {
                await AnthropicErrorAsync(ctx, model == "count-tokens" ? "model: Field required" : "model: Extra inputs are not permitted");
                return;
            }
            json.Remove("anthropic_version");
            json["model"] ??= model;
        }
        await RelayAsync(ctx, target, json?.ToJsonString() ?? body);
    }

    /// <summary>Passes the answer of the fake behind through as it is written, event by event.</summary>
    private async Task RelayAsync(HttpContext ctx, string target, string body)
    {
        using var upstream = await _relay.SendAsync(new HttpRequestMessage(HttpMethod.Post, target)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        }, HttpCompletionOption.ResponseHeadersRead, ctx.RequestAborted);
        ctx.Response.StatusCode = (int)upstream.StatusCode;
        ctx.Response.ContentType = upstream.Content.Headers.ContentType?.ToString();
        await ctx.Response.StartAsync(ctx.RequestAborted);
        await using var stream = await upstream.Content.ReadAsStreamAsync(ctx.RequestAborted);
        var buffer = new byte[8192];
        int read;
        while ((read = await stream.ReadAsync(buffer, ctx.RequestAborted)) > 0)
        {
            await ctx.Response.Body.WriteAsync(buffer.AsMemory(0, read), ctx.RequestAborted);
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
        }
    }

    private static Task GoogleErrorAsync(HttpContext ctx, int status, string code, string message)
    {
        ctx.Response.StatusCode = status;
        return ctx.Response.WriteAsJsonAsync(new { error = new { code = status, message, status = code } });
    }

    private static Task AnthropicErrorAsync(HttpContext ctx, string message)
    {
        ctx.Response.StatusCode = 400;
        return ctx.Response.WriteAsJsonAsync(new { type = "error", error = new { type = "invalid_request_error", message } });
    }

    private static byte[] Base64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded.PadRight(padded.Length + (4 - padded.Length % 4) % 4, '='));
    }
}
