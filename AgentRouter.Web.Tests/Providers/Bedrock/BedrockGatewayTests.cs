using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRouter.Web.Providers;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRouter.Web.Tests.Providers.Bedrock;

/// <summary>One router and one Bedrock fake for the class.</summary>
public sealed class BedrockFixture : IAsyncLifetime
{
    public RouterFactory Router { get; } = new();
    public FakeBedrock Fake { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Fake = await FakeBedrock.StartAsync();
        Router.EnsureStarted();
    }

    public async ValueTask DisposeAsync()
    {
        await Router.DisposeAsync();
        await Fake.DisposeAsync();
    }
}

/// <summary>Claude on Bedrock through the gateway, as Claude Code calls it: the fake checks every signature, and the
/// client sees Anthropic's own wire format, usage and cost exact.</summary>
public sealed class BedrockGatewayTests(BedrockFixture fixture) : IClassFixture<BedrockFixture>
{
    private const string ProfileId = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

    private static readonly string[] ClaudeCodeBetas = ["claude-code-20250219", "oauth-2025-04-20", "interleaved-thinking-2025-05-14", "fine-grained-tool-streaming-2025-05-14", "context-1m-2025-08-07"];

    private FakeBedrock Fake => fixture.Fake;

    [Fact]
    public async Task ClaudeCode_StreamedToolUse_ThroughBedrock_IsAnthropicSse_WithExactUsageAndCost()
    {
        var s = await ScenarioAsync();
        (Fake.InputTokens, Fake.OutputTokens, Fake.CacheReadTokens, Fake.CacheWriteTokens) = (1234, 56, 20000, 3000);
        var body = ClaudeCodeBody(s.PublicName, stream: true);

        using var response = await s.Client.SendAsync(ClaudeCodeRequest(s.Key, body));
        var sse = Events(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var expected = string.Concat(BedrockFrames.ToolUseAnswer(ProfileId, 1234, 56, 20000, 3000).Select(e =>
        {
            var json = JsonSerializer.Serialize(e);
            return $"event: {JsonDocument.Parse(json).RootElement.GetProperty("type").GetString()}\ndata: {json}\n\n";
        }));
        Assert.Equal(expected, sse);

        // What Bedrock received: the signed invoke-with-response-stream of the pinned profile, Bedrock's body shape.
        var upstream = Fake.LastRequest;
        Assert.Null(Fake.LastAuthProblem);
        Assert.Equal("/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream", upstream.Path);
        Assert.Equal("", upstream.QueryString);
        Assert.Equal("application/vnd.amazon.eventstream", upstream.Headers["accept"]);
        Assert.Equal("application/json", upstream.Headers["x-amzn-bedrock-accept"]);
        Assert.False(upstream.Headers.ContainsKey("anthropic-beta"));
        Assert.False(upstream.Headers.ContainsKey("anthropic-version"));
        Assert.False(upstream.Headers.ContainsKey("x-api-key"));
        Assert.DoesNotContain(s.Key, string.Join('\n', upstream.Headers.Values));
        var sent = upstream.BodyJson();
        Assert.False(sent.TryGetProperty("model", out _));
        Assert.False(sent.TryGetProperty("stream", out _));
        Assert.Equal("bedrock-2023-05-31", sent.GetProperty("anthropic_version").GetString());
        Assert.Equal(["interleaved-thinking-2025-05-14", "context-1m-2025-08-07"], sent.GetProperty("anthropic_beta").EnumerateArray().Select(b => b.GetString()));
        using var original = JsonDocument.Parse(body);
        foreach (var name in new[] { "system", "tools", "messages", "max_tokens", "metadata", "thinking" })
            Assert.Equal(original.RootElement.GetProperty(name).GetRawText(), sent.GetProperty(name).GetRawText());

        var record = await fixture.Router.Usage.For(response);
        Assert.Equal((200, null, false, true), (record.Status, record.Error, record.UsageEstimated, record.Streamed));
        Assert.Equal((1234L, 56L, 20000L, 3000L), (record.InputTokens, record.OutputTokens, record.CacheReadTokens, record.CacheWriteTokens));
        Assert.Equal(ProfileId, record.UpstreamModel);
        Assert.Equal("claude-code", record.Agent);
        // 1234 × $3 + 56 × $15 + 3000 × $3.75 + 20000 × $0.30, per million.
        Assert.Equal(0.021792m, record.CostUsd);
    }

    [Fact]
    public async Task BetasInTheBody_EvenEscaped_NeverReachBedrock_OnlyTheAccountsFilteredHeaderBetasDo()
    {
        var s = await ScenarioAsync();
        var body = ClaudeCodeBody(s.PublicName, stream: false);
        body = "{\"anthropic\\u005fbeta\":[\"context-1m-2025-08-07\",\"made-up-beta-2099-01-01\"]," + body[1..];
        var request = ClaudeCodeRequest(s.Key, body);
        request.Headers.Remove("anthropic-beta");
        request.Headers.Add("anthropic-beta", "interleaved-thinking-2025-05-14");

        using var response = await s.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = Fake.LastRequest.BodyJson();
        Assert.Equal(["interleaved-thinking-2025-05-14"], sent.GetProperty("anthropic_beta").EnumerateArray().Select(b => b.GetString()));
        Assert.DoesNotContain("made-up-beta", Fake.LastRequest.Body);
        Assert.DoesNotContain("u005f", Fake.LastRequest.Body);
    }

    [Fact]
    public async Task ClaudeCode_NotStreamed_ThroughBedrock_PassesAnthropicsMessage()
    {
        var s = await ScenarioAsync();
        (Fake.InputTokens, Fake.OutputTokens) = (321, 12);

        using var response = await s.Client.SendAsync(ClaudeCodeRequest(s.Key, ClaudeCodeBody(s.PublicName, stream: false)));
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Hello from Bedrock.", answer.RootElement.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal("/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke", Fake.LastRequest.Path);
        Assert.Equal("application/json", Fake.LastRequest.Headers["accept"]);
        Assert.Null(Fake.LastAuthProblem);
        var record = await fixture.Router.Usage.For(response);
        Assert.Equal((321L, 12L, false), (record.InputTokens, record.OutputTokens, record.Streamed));
        Assert.Equal(0.001143m, record.CostUsd);
    }

    [Fact]
    public async Task CountTokens_UsesBedrocksCountTokens_AndAnswersInAnthropicsShape()
    {
        var s = await ScenarioAsync();
        Fake.InputTokens = 4321;
        var body = ClaudeCodeBody(s.PublicName, stream: false);

        using var response = await s.Client.SendAsync(ClaudeCodeRequest(s.Key, body, "/v1/messages/count_tokens?beta=true"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"input_tokens\":4321}", await response.Content.ReadAsStringAsync());
        Assert.Equal("/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/count-tokens", Fake.LastRequest.Path);
        Assert.Null(Fake.LastAuthProblem);
        var invoke = JsonDocument.Parse(Fake.LastRequest.BodyJson().GetProperty("input").GetProperty("invokeModel").GetProperty("body").GetBytesFromBase64()).RootElement;
        Assert.Equal("bedrock-2023-05-31", invoke.GetProperty("anthropic_version").GetString());
        Assert.False(invoke.TryGetProperty("model", out _));
        var record = await fixture.Router.Usage.For(response);
        Assert.Equal((200, 0m), (record.Status, record.CostUsd));
    }

    [Theory]
    [InlineData("throttlingException", HttpStatusCode.TooManyRequests, "rate_limit_error")]
    [InlineData("validationException", HttpStatusCode.BadRequest, "invalid_request_error")]
    [InlineData("serviceUnavailableException", (HttpStatusCode)529, "overloaded_error")]
    [InlineData("modelStreamErrorException", HttpStatusCode.BadGateway, "api_error")]
    [InlineData("internalServerException", HttpStatusCode.BadGateway, "api_error")]
    public async Task AnExceptionBeforeAnyEvent_IsAnAnthropicErrorAnswer_AndIsNotCharged(string exceptionType, HttpStatusCode status, string anthropicType)
    {
        var s = await ScenarioAsync();
        Fake.StreamException = (exceptionType, "Too many requests, please wait before trying again.");

        using var response = await s.Client.SendAsync(ClaudeCodeRequest(s.Key, ClaudeCodeBody(s.PublicName, stream: true)));
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(anthropicType, error.RootElement.GetProperty("error").GetProperty("type").GetString());
        var record = await fixture.Router.Usage.For(response);
        Assert.Equal(((int)status, false, 0L, 0m), (record.Status, record.UsageEstimated, record.TotalTokens, record.CostUsd));
    }

    [Theory]
    [InlineData("throttlingException", "rate_limit_error")]
    [InlineData("validationException", "invalid_request_error")]
    [InlineData("modelStreamErrorException", "api_error")]
    [InlineData("internalServerException", "api_error")]
    [InlineData("serviceUnavailableException", "overloaded_error")]
    public async Task AnExceptionMidStream_IsAnSseErrorEvent_AndTheEstimateIsCharged(string exceptionType, string anthropicType)
    {
        var s = await ScenarioAsync();
        (Fake.StreamException, Fake.ExceptionAfter) = ((exceptionType, "The model stopped."), 3);

        using var response = await s.Client.SendAsync(ClaudeCodeRequest(s.Key, ClaudeCodeBody(s.PublicName, stream: true)));
        var sse = Events(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("event: message_start\n", sse);
        Assert.EndsWith($"event: error\ndata: {{\"type\":\"error\",\"error\":{{\"type\":\"{anthropicType}\",\"message\":\"{(anthropicType == "api_error" ? "Amazon Bedrock: " : "")}The model stopped.\"}}}}\n\n", sse);
        var record = await fixture.Router.Usage.For(response);
        Assert.Equal(("upstream_stream_error", true), (record.Error, record.UsageEstimated));
        Assert.True(record.CostUsd > 0);
    }

    [Fact]
    public async Task AValidationErrorAnswer_IsAnAnthropic400()
    {
        var s = await ScenarioAsync();
        Fake.Failure = (400, "ValidationException", "messages: field required");

        using var response = await s.Client.SendAsync(ClaudeCodeRequest(s.Key, ClaudeCodeBody(s.PublicName, stream: true)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"messages: field required\"}}", await response.Content.ReadAsStringAsync());
        Assert.False(response.Headers.Contains("x-amzn-ErrorType"));
    }

    [Fact]
    public async Task AWrongSecret_IsRefusedByTheFake_AndAnswers502NamingTheAccount()
    {
        var s = await ScenarioAsync();
        await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/providers/{s.ProviderId}/credential",
            new { credential = new { accessKeyId = FakeBedrock.AccessKeyId, secretAccessKey = "not-the-secret" } });

        using var response = await s.Client.SendAsync(ClaudeCodeRequest(s.Key, ClaudeCodeBody(s.PublicName, stream: true)));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal("signature mismatch", Fake.LastAuthProblem);
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains($"'{s.ProviderName}'", text);
        Assert.DoesNotContain("Secret Access Key", text);
    }

    [Fact]
    public async Task TemporaryCredentials_SignTheSessionToken()
    {
        var s = await ScenarioAsync(credential: new { accessKeyId = "ASIAFAKEBEDROCK0002", secretAccessKey = Fake.SecretAccessKey, sessionToken = "FwoGZXIvYXdzEXAMPLE/token==" });
        Fake.SessionToken = "FwoGZXIvYXdzEXAMPLE/token==";

        using var response = await s.Client.SendAsync(ClaudeCodeRequest(s.Key, ClaudeCodeBody(s.PublicName, stream: false)));

        // The fake's scope check names its own access key id: a temporary key signs as itself.
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.StartsWith("credential scope ASIAFAKEBEDROCK0002/", Fake.LastAuthProblem);
        Assert.Equal("FwoGZXIvYXdzEXAMPLE/token==", Fake.LastRequest.Headers["x-amz-security-token"]);

        await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/providers/{s.ProviderId}/credential",
            new { credential = new { accessKeyId = FakeBedrock.AccessKeyId, secretAccessKey = Fake.SecretAccessKey, sessionToken = "FwoGZXIvYXdzEXAMPLE/token==" } });
        using var signed = await s.Client.SendAsync(ClaudeCodeRequest(s.Key, ClaudeCodeBody(s.PublicName, stream: false)));
        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
        Assert.Null(Fake.LastAuthProblem);
    }

    [Fact]
    public async Task ABedrockApiKey_IsSentAsBearer_StreamingIncluded()
    {
        var s = await ScenarioAsync(credential: new { apiKey = "ABSKQmVkcm9ja0FQSUtleS1leGFtcGxl" });
        Fake.ApiKey = "ABSKQmVkcm9ja0FQSUtleS1leGFtcGxl";

        using var response = await s.Client.SendAsync(ClaudeCodeRequest(s.Key, ClaudeCodeBody(s.PublicName, stream: true)));
        var sse = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(Fake.LastAuthProblem);
        Assert.Equal("Bearer ABSKQmVkcm9ja0FQSUtleS1leGFtcGxl", Fake.LastRequest.Headers["authorization"]);
        Assert.False(Fake.LastRequest.Headers.ContainsKey("x-amz-date"));
        Assert.Contains("event: message_stop\n", sse);
        var record = await fixture.Router.Usage.For(response);
        Assert.Equal((1234L, 56L), (record.InputTokens, record.OutputTokens));
    }

    [Fact]
    public async Task AdminApi_TakesRegionAndKeys_ShowsOnlyTheKeyIdsHint_AndTestsTheConnection()
    {
        Fake.Reset();
        var admin = fixture.Router.Admin();
        var created = await admin.SendAsync(HttpMethod.Post, "/api/admin/providers", new
        {
            name = "bedrock-admin-" + Guid.NewGuid().ToString("N")[..6], kind = "bedrock", baseUrl = Fake.Origin,
            settings = new { region = FakeBedrock.Region }, credential = new { accessKeyId = FakeBedrock.AccessKeyId, secretAccessKey = Fake.SecretAccessKey },
        }, HttpStatusCode.Created);
        var id = created["id"]!.GetValue<Guid>();
        var defaulted = await admin.SendAsync(HttpMethod.Post, "/api/admin/providers", new
        {
            name = "bedrock-default-" + Guid.NewGuid().ToString("N")[..6], kind = "bedrock",
            settings = new { region = "us-east-1" }, credential = new { apiKey = "ABSKdefault-0000" },
        }, HttpStatusCode.Created);

        Assert.Equal(("bedrock", FakeBedrock.Region, "…0001"),
            (created["kind"]!.GetValue<string>(), created["settings"]!["region"]!.GetValue<string>(), created["credentialHint"]!.GetValue<string>()));
        Assert.Equal("https://bedrock-runtime.amazonaws.com", defaulted["baseUrl"]!.GetValue<string>());
        var listed = await admin.Http.GetStringAsync("/api/admin/providers");
        Assert.DoesNotContain(Fake.SecretAccessKey, listed);
        var audit = await admin.Http.GetStringAsync($"/api/admin/audit?entityId={id}");
        Assert.Contains("provider.created", audit);
        Assert.DoesNotContain(Fake.SecretAccessKey, audit);

        var service = fixture.Router.Services.GetRequiredService<ProviderService>();
        var (ok, message) = await service.TestConnectionAsync(id, CancellationToken.None);
        Assert.True(ok, message);
        Assert.Equal(("GET", "/foundation-models"), (Fake.LastRequest.Method, Fake.LastRequest.Path));
        Assert.Null(Fake.LastAuthProblem);
    }

    [Theory]
    [InlineData("{\"region\":\"moon-1\"}", "{\"accessKeyId\":\"AKIAFAKEBEDROCK0001\",\"secretAccessKey\":\"s\"}", "settings.region")]
    [InlineData("null", "{\"accessKeyId\":\"AKIAFAKEBEDROCK0001\",\"secretAccessKey\":\"s\"}", "settings")]
    [InlineData("{\"region\":\"us-east-1\"}", "{\"accessKeyId\":\"AKIAFAKEBEDROCK0001\"}", "credential")]
    [InlineData("{\"region\":\"us-east-1\"}", "{\"apiKey\":\"k\",\"secretAccessKey\":\"s\"}", "credential")]
    public async Task AdminApi_RefusesBadSettingsOrCredential_NamingTheField(string settings, string credential, string field)
    {
        var admin = fixture.Router.Admin();
        var body = JsonNode.Parse($"{{\"name\":\"bedrock-bad-{Guid.NewGuid():N}\",\"kind\":\"bedrock\",\"settings\":{settings},\"credential\":{credential}}}");

        var refused = await admin.SendAsync(HttpMethod.Post, "/api/admin/providers", body, HttpStatusCode.BadRequest);

        Assert.True(refused["errors"]!.AsObject().ContainsKey(field), refused.ToJsonString());
    }

    private async Task<BedrockScenario> ScenarioAsync(object? credential = null)
    {
        Fake.Reset();
        (Fake.InputTokens, Fake.OutputTokens, Fake.CacheReadTokens, Fake.CacheWriteTokens) = (1234, 56, 0, 0);
        var admin = fixture.Router.Admin();
        var name = "bedrock-" + Guid.NewGuid().ToString("N")[..8];
        var created = await admin.SendAsync(HttpMethod.Post, "/api/admin/providers", new
        {
            name, kind = "bedrock", baseUrl = Fake.Origin, settings = new { region = FakeBedrock.Region },
            credential = credential ?? new { accessKeyId = FakeBedrock.AccessKeyId, secretAccessKey = Fake.SecretAccessKey },
        }, HttpStatusCode.Created);
        var providerId = created["id"]!.GetValue<Guid>();
        await admin.PriceAsync(ProfileId);
        var (teamId, _) = await admin.CreateTeamAsync();
        var publicName = "claude-sonnet-4-5-" + Guid.NewGuid().ToString("N")[..4];
        await admin.PutProfileAsync(teamId, (publicName, providerId, ProfileId));
        var developerId = await admin.CreateDeveloperAsync(teamId);
        var (_, key) = await admin.CreateKeyAsync(teamId, developerId);
        return new BedrockScenario(admin, fixture.Router.Gateway(), providerId, name, key, publicName);
    }

    /// <summary>A Claude Code turn: cached system blocks, many tools, thinking, the metadata it sends.</summary>
    private static string ClaudeCodeBody(string model, bool stream)
    {
        var tools = Enumerable.Range(0, 40).Select(i => new
        {
            name = $"tool_{i}", description = $"Tool {i}: " + new string('d', 400),
            input_schema = new { type = "object", properties = new { path = new { type = "string" } }, required = new[] { "path" } },
        });
        return JsonSerializer.Serialize(new
        {
            model, max_tokens = 32000, stream,
            system = new object[]
            {
                new { type = "text", text = "You are Claude Code, Anthropic's official CLI for Claude." },
                new { type = "text", text = "Working directory: /src\n" + new string('s', 3000), cache_control = new { type = "ephemeral" } },
            },
            tools,
            messages = new object[]
            {
                new { role = "user", content = new object[] { new { type = "text", text = "Read app.cs", cache_control = new { type = "ephemeral" } } } },
            },
            thinking = new { type = "enabled", budget_tokens = 4000 },
            metadata = new { user_id = "user_abc_account__session_123" },
        });
    }

    private static HttpRequestMessage ClaudeCodeRequest(string key, string body, string path = "/v1/messages?beta=true")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("x-api-key", key);
        request.Headers.Add("anthropic-version", "2023-06-01");
        request.Headers.Add("anthropic-beta", string.Join(',', ClaudeCodeBetas));
        request.Headers.UserAgent.ParseAdd("claude-cli/2.0.14 (external, cli)");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Add("x-stainless-lang", "js");
        return request;
    }

    /// <summary>The stream's events, without the comment lines the gateway adds at its end (its cost report).</summary>
    private static string Events(string sse) =>
        string.Concat(sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Where(e => !e.StartsWith(':')).Select(e => e + "\n\n"));

    private sealed record BedrockScenario(AdminClient Admin, HttpClient Client, Guid ProviderId, string ProviderName, string Key, string PublicName);
}
