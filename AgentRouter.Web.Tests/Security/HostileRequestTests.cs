using System.Net;
using System.Text;
using System.Text.Json;
using AgentRouter.Web.Gateway;
using AgentRouter.Web.Tests.Fakes;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace AgentRouter.Web.Tests.Security;

/// <summary>Bodies written to make the gateway read a request one way and the provider another: every one is either
/// refused in the caller's dialect before anything is forwarded, or forwarded meaning exactly what was checked.
/// Each test looks at what the loopback provider received.</summary>
public sealed class HostileRequestTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private const int MaxOutput = 8192;

    private async Task<Scenario> ScenarioAsync(string kind)
    {
        var upstream = $"{kind}-pinned-{Guid.NewGuid():N}"[..24];
        var s = await fixture.ScenarioAsync(kind, $"{kind}-approved", upstream);
        await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/catalog/{upstream}",
            new { inputPerMTok = 3m, outputPerMTok = 15m, contextWindow = 200_000, maxOutputTokens = MaxOutput });
        return s;
    }

    private static HttpRequestMessage Raw(string kind, Scenario s, string body, string? geminiMethod = "generateContent") => kind switch
    {
        "anthropic" => Requests.Anthropic(s.Key, body),
        "openai" => Requests.OpenAI(s.Key, body),
        _ => Requests.Gemini(s.Key, s.PublicName, geminiMethod!, body),
    };

    /// <summary>A valid body in the kind's dialect with <paramref name="extra"/> members spliced in first.</summary>
    private static string Body(string kind, Scenario s, string extra) => kind switch
    {
        "anthropic" => $$"""{{{extra}}"model":"{{s.PublicName}}","max_tokens":20,"messages":[{"role":"user","content":"hi"}]}""",
        "openai" => $$"""{{{extra}}"model":"{{s.PublicName}}","messages":[{"role":"user","content":"hi"}]}""",
        _ => $$"""{{{extra}}"contents":[{"role":"user","parts":[{"text":"hi"}]}]}""",
    };

    private static async Task AssertRefusedInDialectAsync(string kind, HttpResponseMessage response, string mentioning)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var message = kind switch
        {
            "anthropic" => json.RootElement.GetProperty("error").GetProperty("message").GetString(),
            "openai" => json.RootElement.GetProperty("error").GetProperty("message").GetString(),
            _ => json.RootElement.GetProperty("error").GetProperty("message").GetString(),
        };
        if (kind == "anthropic")
            Assert.Equal("invalid_request_error", json.RootElement.GetProperty("error").GetProperty("type").GetString());
        if (kind == "gemini")
            Assert.Equal("INVALID_ARGUMENT", json.RootElement.GetProperty("error").GetProperty("status").GetString());
        Assert.Contains(mentioning, message);
    }

    // ---- One reading of the body -------------------------------------------------------------------------

    public static TheoryData<string, string, string> Duplicates() => new()
    {
        // The issue's own case: the second, escaped "model" names a model the team is not approved for.
        { "anthropic", @"""model"":""claude-sonnet-4-5"",""m\u006fdel"":""claude-opus-4-1"",", "model" },
        { "openai", @"""model"":""gpt-4o"",""m\u006fdel"":""gpt-5"",", "model" },
        { "anthropic", @"""MODEL"":""claude-opus-4-1"",", "MODEL" },
        { "openai", @"""Model"":""gpt-5"",", "Model" },
        { "anthropic", @"""max_tokens"":1,", "max_tokens" },
        { "anthropic", @"""\u006dax_tokens"":1,", "max_tokens" },
        { "anthropic", @"""stream"":false,""stream"":true,", "stream" },
        // Fields Bedrock and Vertex AI set themselves: a re-spelled copy could reach a provider beside the gateway's.
        { "anthropic", @"""Anthropic_Beta"":[""context-1m-2025-08-07""],", "Anthropic_Beta" },
        { "anthropic", @"""anthropicVersion"":""2023-06-01"",", "anthropicVersion" },
        { "anthropic", @"""anthropic_beta"":[],""anthropic_beta"":[""context-1m-2025-08-07""],", "anthropic_beta" },
        { "openai", @"""stream"":false,""\u0073tream"":true,", "stream" },
        { "openai", @"""stream"":true,""stream_options"":{""include_usage"":false},""stream_options"":{""include_usage"":false},", "stream_options" },
        { "openai", @"""stream"":true,""stream_options"":{""include_usage"":false,""include_usage"":true},", "include_usage" },
        { "openai", @"""max_tokens"":10,""max_completion_tokens"":100000,", "max_completion_tokens" },
        { "gemini", @"""generationConfig"":{""maxOutputTokens"":10},""generation_config"":{""max_output_tokens"":100000},", "generation_config" },
        { "gemini", @"""generationConfig"":{""maxOutputTokens"":10,""max_output_tokens"":100000},", "max_output_tokens" },
        { "gemini", @"""generationConfig"":{""maxOutputTokens"":10,""maxOutputTokens"":100000},", "maxOutputTokens" },
        { "gemini", @"""model"":""models/gemini-ultra"",", "gemini-ultra" },
    };

    [Theory]
    [MemberData(nameof(Duplicates))]
    public async Task AmbiguousBody_IsRefusedInTheCallersDialect_AndNothingIsForwarded(string kind, string extra, string mentioning)
    {
        var s = await ScenarioAsync(kind);
        var before = s.Fake.Requests.Count;

        using var response = await s.Client.SendAsync(Raw(kind, s, Body(kind, s, extra)));

        await AssertRefusedInDialectAsync(kind, response, mentioning);
        Assert.Equal(before, s.Fake.Requests.Count);
        Assert.Equal(UsageErrors.InvalidRequest, (await fixture.Router.Usage.For(response)).Error);
    }

    [Theory]
    [InlineData("anthropic")]
    [InlineData("openai")]
    public async Task EscapedModelName_IsReadAsTheModel_AndTheProviderGetsThePinnedIdUnderThatName(string kind)
    {
        var s = await ScenarioAsync(kind);
        var body = Body(kind, s, "").Replace("\"model\"", "\"m\\u006fdel\"");

        using var response = await s.Client.SendAsync(Raw(kind, s, body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = s.Fake.LastRequest.BodyJson();
        Assert.Equal(s.UpstreamModel, received.GetProperty("model").GetString());
        Assert.Single(received.EnumerateObject(), p => p.Name == "model");
    }

    [Fact]
    public async Task GeminiBodyRepeatingThePathModel_IsRewrittenToThePinnedId()
    {
        var s = await ScenarioAsync("gemini");

        using var response = await s.Client.SendAsync(Raw("gemini", s, Body("gemini", s, $"\"model\":\"models/{s.PublicName}\",")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"models/{s.UpstreamModel}", s.Fake.LastRequest.BodyJson().GetProperty("model").GetString());
        Assert.Contains(s.UpstreamModel, s.Fake.LastRequest.Path);
    }

    public static TheoryData<string, string, string> BadLimits()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var value in new[] { "-1", "0", "-100000", "1.5", "1e3", "\"100\"", "true", "[]", "{}", "99999999999999999999", "2147483648", (MaxOutput + 1).ToString() })
        {
            data.Add("anthropic", value, "max_tokens");
            data.Add("openai", value, "max_tokens");
            data.Add("openai", value, "max_completion_tokens");
            data.Add("gemini", value, "maxOutputTokens");
        }
        foreach (var value in new[] { "0", "-2", "129", "\"2\"", "2.0" })
        {
            data.Add("openai", value, "n");
            data.Add("gemini", value, "candidateCount");
        }
        foreach (var value in new[] { "\"true\"", "1", "0", "\"yes\"", "{}" })
        {
            data.Add("anthropic", value, "stream");
            data.Add("openai", value, "stream");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(BadLimits))]
    public async Task LimitOrFlagOfWrongValue_IsRefusedBeforeForwarding(string kind, string value, string field)
    {
        var s = await ScenarioAsync(kind);
        var before = s.Fake.Requests.Count;
        var body = kind == "gemini"
            ? Body(kind, s, $"\"generationConfig\":{{\"{field}\":{value}}},")
            : Body(kind, s, $"\"{field}\":{value},").Replace("\"max_tokens\":20,", field == "max_tokens" ? "" : "\"max_tokens\":20,");
        if (kind == "openai" && field == "max_completion_tokens")
            body = body.Replace("\"max_tokens\":20,", "");

        using var response = await s.Client.SendAsync(Raw(kind, s, body));

        await AssertRefusedInDialectAsync(kind, response, field);
        Assert.Equal(before, s.Fake.Requests.Count);
    }

    [Theory]
    [InlineData("{\"model\":\"x\"} {}")]
    [InlineData("{\"model\":\"x\"}garbage")]
    [InlineData("\uFEFF{\"model\":\"x\"}")]
    [InlineData("[{\"model\":\"x\"}]")]
    [InlineData("{\"model\":\"x\",}")]
    public async Task NonJsonOrTrailingGarbage_IsRefused(string body)
    {
        var s = await ScenarioAsync("anthropic");
        var before = s.Fake.Requests.Count;

        using var response = await s.Client.SendAsync(Requests.Anthropic(s.Key, body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(before, s.Fake.Requests.Count);
    }

    // ---- Usage cannot be hidden --------------------------------------------------------------------------

    [Fact]
    public async Task EscapedStreamName_StillRecordsTheStreamsUsage()
    {
        var s = await ScenarioAsync("openai");
        s.Fake.Usage = new FakeUsage(Input: 40, Output: 9);
        var body = $$"""{"model":"{{s.PublicName}}","\u0073tream":true,"messages":[{"role":"user","content":"hi"}]}""";

        using var response = await s.Client.SendAsync(Requests.OpenAI(s.Key, body));
        var text = await response.Content.ReadAsStringAsync();
        var record = await fixture.Router.Usage.For(response);

        Assert.True(s.Fake.LastRequest.BodyJson().GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.DoesNotContain("\"prompt_tokens\"", text);
        Assert.Equal((40, 9), (record.InputTokens, record.OutputTokens));
        Assert.False(record.UsageEstimated);
    }

    [Fact]
    public async Task ClientStreamOptionsSayingNoUsage_AreOverruled()
    {
        var s = await ScenarioAsync("openai");
        s.Fake.Usage = new FakeUsage(Input: 41, Output: 8);
        var body = $$"""{"model":"{{s.PublicName}}","stream":true,"stream_options":{"include_usage":false,"include_obfuscation":false},"messages":[]}""";

        using var response = await s.Client.SendAsync(Requests.OpenAI(s.Key, body));
        await response.Content.ReadAsStringAsync();
        var record = await fixture.Router.Usage.For(response);

        var options = s.Fake.LastRequest.BodyJson().GetProperty("stream_options");
        Assert.True(options.GetProperty("include_usage").GetBoolean());
        Assert.False(options.GetProperty("include_obfuscation").GetBoolean());
        Assert.Single(s.Fake.LastRequest.BodyJson().EnumerateObject(), p => p.Name == "stream_options");
        Assert.Equal((41, 8), (record.InputTokens, record.OutputTokens));
    }

    [Fact]
    public async Task Reservation_UsesTheDialectsOwnLimit_OrTheModelsMaximum()
    {
        var s = await ScenarioAsync("gemini");
        await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{s.TeamId}/profile",
            new { budgets = new[] { new { scope = "team", tokens = 10_000, cadence = "daily" } } });

        // No limit: the model's maximum (8,192) is reserved, which fits; two at once would not.
        var small = Body("gemini", s, "\"generationConfig\":{\"maxOutputTokens\":100},");
        using var limited = await s.Client.SendAsync(Raw("gemini", s, small));
        var remaining = long.Parse(limited.Headers.GetValues(GatewayHandler.RemainingTokensHeader).Single());
        Assert.Equal(10_000 - (Encoding.UTF8.GetByteCount(small) / 4 + 100), remaining);

        var big = Body("gemini", s, "\"generationConfig\":{\"candidateCount\":2},");
        using var refused = await s.Client.SendAsync(Raw("gemini", s, big));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
    }

    /// <summary>Answers whose usage cannot be read exactly, each as the provider's wire would carry it.</summary>
    public static TheoryData<string, string> Faults() => new()
    {
        { "mid-stream error event", UsageErrors.UpstreamStreamError },
        { "truncated stream", UsageErrors.StreamTruncated },
        { "200 without usage", UsageErrors.UsageMissing },
        { "200 with invalid JSON", UsageErrors.UsageUnparseable },
        { "negative usage", UsageErrors.UsageImplausible },
        { "absurd usage", UsageErrors.UsageImplausible },
        { "negative web searches", UsageErrors.UsageImplausible },
        { "undecodable encoding", UsageErrors.UsageUndecodable },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task AnswerWithoutUsableUsage_IsRecordedWithItsErrorAndTheEstimate_AndChargedToTheBudget(string fault, string error)
    {
        var s = await ScenarioAsync("anthropic");
        await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{s.TeamId}/profile",
            new { budgets = new[] { new { scope = "team", tokens = 1_000_000, cadence = "daily" } } });
        s.Fake.Respond = ctx => AnswerWith(ctx, fault);
        var body = Body("anthropic", s, fault.Contains("stream") ? "\"stream\":true," : "").Replace("\"max_tokens\":20", "\"max_tokens\":500");

        using var response = await s.Client.SendAsync(Requests.Anthropic(s.Key, body));
        try { await response.Content.ReadAsStringAsync(); } catch (HttpRequestException) { }
        var record = await fixture.Router.Usage.For(response);

        Assert.Equal(error, record.Error);
        Assert.True(record.UsageEstimated);
        Assert.True(record.OutputTokens >= 500, $"output {record.OutputTokens}");
        Assert.True(record.InputTokens > 0);
        Assert.True(record.CostUsd > 0);
        // The budget was charged the estimate: the next admission sees it spent.
        s.Fake.Respond = null;
        using var next = await s.Client.SendAsync(Requests.Anthropic(s.Key, Body("anthropic", s, "")));
        var remaining = long.Parse(next.Headers.GetValues(GatewayHandler.RemainingTokensHeader).Single());
        Assert.True(remaining <= 1_000_000 - record.TotalTokens, $"remaining {remaining} after {record.TotalTokens}");
    }

    [Fact]
    public async Task GzipAnswer_DespiteIdentity_IsDecodedForExactUsage()
    {
        var s = await ScenarioAsync("anthropic");
        s.Fake.Respond = ctx => AnswerWith(ctx, "gzip");

        using var response = await s.Client.SendAsync(Requests.Anthropic(s.Key, Body("anthropic", s, "")));
        var record = await fixture.Router.Usage.For(response);

        Assert.Equal("identity", s.Fake.LastRequest.Headers["accept-encoding"]);
        Assert.Null(record.Error);
        Assert.False(record.UsageEstimated);
        Assert.Equal((21, 34), (record.InputTokens, record.OutputTokens));
    }

    private static async Task AnswerWith(HttpContext ctx, string fault)
    {
        const string message = """{"id":"msg_1","type":"message","role":"assistant","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","usage":{"input_tokens":21,"output_tokens":34}}""";
        const string start = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"usage\":{\"input_tokens\":21,\"output_tokens\":1}}}\n\n";
        const string delta = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}\n\n";
        ctx.Response.StatusCode = 200;
        switch (fault)
        {
            case "mid-stream error event":
                ctx.Response.ContentType = "text/event-stream";
                await ctx.Response.WriteAsync(start + delta + "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n");
                break;
            case "truncated stream":
                ctx.Response.ContentType = "text/event-stream";
                await ctx.Response.WriteAsync(start + delta);
                break;
            case "200 without usage":
                ctx.Response.ContentType = "application/json";
                await ctx.Response.WriteAsync("""{"id":"msg_1","type":"message","role":"assistant","content":[]}""");
                break;
            case "200 with invalid JSON":
                ctx.Response.ContentType = "application/json";
                await ctx.Response.WriteAsync("""{"id":"msg_1","type":"message","usage":{"input_tokens":21,""");
                break;
            case "negative usage":
                ctx.Response.ContentType = "application/json";
                await ctx.Response.WriteAsync(message.Replace("\"output_tokens\":34", "\"output_tokens\":-5000000"));
                break;
            case "absurd usage":
                ctx.Response.ContentType = "application/json";
                await ctx.Response.WriteAsync(message.Replace("\"output_tokens\":34", "\"output_tokens\":10800000000000"));
                break;
            case "negative web searches":
                ctx.Response.ContentType = "application/json";
                await ctx.Response.WriteAsync(message.Replace("\"output_tokens\":34", "\"output_tokens\":34,\"server_tool_use\":{\"web_search_requests\":-1000000}"));
                break;
            case "undecodable encoding":
                ctx.Response.ContentType = "application/json";
                ctx.Response.Headers.ContentEncoding = "zstd";
                await ctx.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(message));
                break;
            case "gzip":
                ctx.Response.ContentType = "application/json";
                ctx.Response.Headers.ContentEncoding = "gzip";
                using (var compressed = new MemoryStream())
                {
                    using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
                        gzip.Write(Encoding.UTF8.GetBytes(message));
                    await ctx.Response.Body.WriteAsync(compressed.ToArray());
                }
                break;
        }
    }

    // ---- Credentials -------------------------------------------------------------------------------------

    [Theory]
    [InlineData("anthropic")]
    [InlineData("openai")]
    [InlineData("gemini")]
    public async Task CopiesOfTheKey_AndForeignCredentialHeaders_NeverReachTheProvider(string kind)
    {
        var s = await ScenarioAsync(kind);
        using var request = Raw(kind, s, Body(kind, s, ""), "generateContent");
        foreach (var header in new[] { "api-key", "anthropic-api-key", "openai-organization", "openai-project", "x-goog-user-project", "x-custom-auth", "proxy-authorization", "x-forwarded-for" })
            request.Headers.TryAddWithoutValidation(header, header == "openai-organization" ? "org-hostile" : s.Key);
        request.Headers.TryAddWithoutValidation("cookie", "session=" + s.Key);
        request.Headers.TryAddWithoutValidation("x-stainless-lang", "js");
        request.Headers.TryAddWithoutValidation("x-stainless-arch", "copy " + s.Key);
        request.Headers.UserAgent.ParseAdd("claude-cli/2.1.0");
        request.Headers.TryAddWithoutValidation("anthropic-beta", "prompt-caching-2024-07-31");
        request.RequestUri = new Uri(request.RequestUri!.OriginalString + (request.RequestUri.OriginalString.Contains('?') ? "&" : "?")
            + $"KEY={s.Key}&Key={s.Key}&api_key={s.Key}&access_token=ya29.hostile&beta=true&alt={s.Key}&other=1", UriKind.Relative);

        using var response = await s.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upstream = s.Fake.LastRequest;
        Assert.DoesNotContain(upstream.Headers, h => h.Value.Contains(s.Key) || h.Value.Contains("ar_"));
        Assert.DoesNotContain(s.Key, upstream.QueryString);
        Assert.Equal("?beta=true", upstream.QueryString);
        foreach (var header in new[] { "api-key", "anthropic-api-key", "openai-organization", "openai-project", "x-goog-user-project", "x-custom-auth", "cookie", "x-stainless-arch", "x-forwarded-for" })
            Assert.False(upstream.Headers.ContainsKey(header), header);
        Assert.Equal("js", upstream.Headers["x-stainless-lang"]);
        Assert.StartsWith("claude-cli/2.1.0", upstream.Headers["user-agent"]);
        Assert.Equal(kind == "anthropic", upstream.Headers.ContainsKey("anthropic-beta"));
        // Exactly the organisation's credential, the provider's way.
        var credential = kind switch { "anthropic" => upstream.Headers["x-api-key"], "openai" => upstream.Headers["authorization"], _ => upstream.Headers["x-goog-api-key"] };
        Assert.EndsWith(s.ProviderKey, credential);
    }

    [Fact]
    public async Task GeminiKeyInUpperCaseQuery_IsAcceptedButNeverForwarded()
    {
        var s = await ScenarioAsync("gemini");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1beta/models/{s.PublicName}:streamGenerateContent?alt=sse&KEY={s.Key}&Alt=json")
        {
            Content = Requests.Json(Requests.Contents()),
        };

        using var response = await s.Client.SendAsync(request);
        await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("?alt=sse", s.Fake.LastRequest.QueryString);
    }

    [Fact]
    public async Task TwoKeysInTheQuery_AreRefused()
    {
        var s = await ScenarioAsync("gemini");
        var before = s.Fake.Requests.Count;
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1beta/models/{s.PublicName}:generateContent?key={s.Key}&KEY=ar_{s.Slug}_other")
        {
            Content = Requests.Json(Requests.Contents()),
        };

        using var response = await s.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(before, s.Fake.Requests.Count);
    }
}
