using System.Net;
using System.Text.Json;
using AgentRouter.Web.Pricing;
using AgentRouter.Web.Tests.Fakes;
using AgentRouter.Web.Tests.Infrastructure;

namespace AgentRouter.Web.Tests.Pricing;

/// <summary>Every answer tells the client what it cost: headers on a JSON answer, an SSE comment (and trailers where the
/// client accepts them) at the end of a stream. The recorded cost is the same number, at the price sheet in force.</summary>
public sealed class CostToClientTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private static int _models;

    /// <summary>A scenario on its own upstream model id, priced with a full sheet.</summary>
    private async Task<Scenario> ScenarioAsync(string kind, object sheet)
    {
        var n = Interlocked.Increment(ref _models);
        var s = await fixture.ScenarioAsync(kind, $"model-{kind}-{n}", $"{kind}-upstream-priced-{n}");
        await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/catalog/{s.UpstreamModel}", sheet);
        return s;
    }

    /// <summary>Claude Sonnet 4.5's published sheet.</summary>
    private static readonly object Sonnet45 = new
    {
        inputPerMTok = 3, outputPerMTok = 15, cacheWritePerMTok = 3.75, cacheWrite1hPerMTok = 6, cacheReadPerMTok = 0.30, webSearchPer1K = 10,
        longContext = new { thresholdTokens = 200_000, inputPerMTok = 6, outputPerMTok = 22.50, cacheWritePerMTok = 7.50, cacheWrite1hPerMTok = 12, cacheReadPerMTok = 0.60 },
    };

    private static readonly object Gpt5 = new { inputPerMTok = 1.25, outputPerMTok = 10, cacheReadPerMTok = 0.125 };

    private static readonly object Gemini25Pro = new
    {
        inputPerMTok = 1.25, outputPerMTok = 10, cacheReadPerMTok = 0.125,
        longContext = new { thresholdTokens = 200_000, inputPerMTok = 2.50, outputPerMTok = 15, cacheReadPerMTok = 0.25 },
    };

    private static string Header(HttpResponseMessage response, string name) => response.Headers.GetValues(name).Single();

    private static string CommentFor(string cost, string budget = "unlimited") =>
        $": {CostReport.CostHeader}={cost}\n: {CostReport.BudgetHeader}={budget}\n\n";

    [Fact]
    public async Task JsonAnswer_OneHourCacheWrite_CarriesTheCostInHeaders_AndTheRecordKeepsEveryDimension()
    {
        var s = await ScenarioAsync("anthropic", Sonnet45);
        s.Fake.Usage = new FakeUsage(Input: 21, Output: 393, CacheWrite: 12_000, CacheWrite1h: 10_000);

        using var response = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName)));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var record = await fixture.Router.Usage.For(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Hello from the fake.", body.GetProperty("content")[0].GetProperty("text").GetString());
        // 21 × $3 + 393 × $15 + 2,000 × $3.75 + 10,000 × $6, per million = 0.073458
        Assert.Equal("0.073458", Header(response, CostReport.CostHeader));
        Assert.Equal("unlimited", Header(response, CostReport.BudgetHeader));
        Assert.Equal((0.073458m, 12_000L, 10_000L, false), (record.CostUsd, record.CacheWriteTokens, record.CacheWrite1hTokens, record.LongContext));
    }

    [Fact]
    public async Task Stream_TwoWebSearches_EndsWithTheCostComment_AndSendsTrailersToAClientThatAcceptsThem()
    {
        var s = await ScenarioAsync("anthropic", Sonnet45);
        s.Fake.Usage = new FakeUsage(Input: 3200, Output: 450, WebSearches: 2);
        var request = Requests.Anthropic(s.Key, Requests.Message(s.PublicName, stream: true));
        request.Headers.TE.ParseAdd("trailers");

        using var response = await s.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsStringAsync();
        var record = await fixture.Router.Usage.For(response);

        Assert.False(response.Headers.Contains(CostReport.CostHeader)); // headers left before the usage was known
        // 3,200 × $3 + 450 × $15 per million + 2 × $10 per 1,000 = 0.0096 + 0.00675 + 0.02
        Assert.EndsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n" + CommentFor("0.03635"), body);
        Assert.Equal("0.03635", response.TrailingHeaders.GetValues(CostReport.CostHeader).Single());
        Assert.Equal("unlimited", response.TrailingHeaders.GetValues(CostReport.BudgetHeader).Single());
        Assert.Equal((0.03635m, 2L), (record.CostUsd, record.WebSearchRequests));
    }

    [Fact]
    public async Task Stream_ClientWithoutTrailers_StillGetsTheComment()
    {
        var s = await ScenarioAsync("anthropic", Sonnet45);
        s.Fake.Usage = new FakeUsage(Input: 1000, Output: 100);

        using var response = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName, stream: true)));
        var body = await response.Content.ReadAsStringAsync();

        // 1,000 × $3 + 100 × $15, per million
        Assert.EndsWith(CommentFor("0.0045"), body);
        Assert.False(response.TrailingHeaders.Contains(CostReport.CostHeader));
    }

    [Fact]
    public async Task OpenAIStream_CachedInputWithReasoning_CommentFollowsDone_AndRecordKeepsReasoningInsideOutput()
    {
        var s = await ScenarioAsync("openai", Gpt5);
        s.Fake.Usage = new FakeUsage(Input: 3808, Output: 1500, CacheRead: 8192, Reasoning: 1024);

        using var response = await s.Client.SendAsync(Requests.OpenAI(s.Key, Requests.Chat(s.PublicName, stream: true, includeUsage: true)));
        var body = await response.Content.ReadAsStringAsync();
        var record = await fixture.Router.Usage.For(response);

        // 3,808 × $1.25 + 8,192 × $0.125 + 1,500 × $10, per million = 0.00476 + 0.001024 + 0.015
        Assert.EndsWith("data: [DONE]\n\n" + CommentFor("0.020784"), body);
        Assert.Equal((3808L, 8192L, 1500L, 1024L, 0.020784m), (record.InputTokens, record.CacheReadTokens, record.OutputTokens, record.ReasoningTokens, record.CostUsd));
    }

    [Fact]
    public async Task GeminiSse_ThinkingWithCachedContent_EndsWithTheComment()
    {
        var s = await ScenarioAsync("gemini", Gemini25Pro);
        s.Fake.Usage = new FakeUsage(Input: 4000, Output: 800, CacheRead: 6000, Reasoning: 1200);

        using var response = await s.Client.SendAsync(Requests.Gemini(s.Key, s.PublicName, "streamGenerateContent", Requests.Contents(), query: "?alt=sse"));
        var body = await response.Content.ReadAsStringAsync();
        var record = await fixture.Router.Usage.For(response);

        // 4,000 × $1.25 + 6,000 × $0.125 + (800 + 1,200 thinking) × $10, per million = 0.005 + 0.00075 + 0.02
        Assert.EndsWith(CommentFor("0.02575"), body);
        Assert.Equal((2000L, 1200L, 0.02575m), (record.OutputTokens, record.ReasoningTokens, record.CostUsd));
    }

    [Fact]
    public async Task GeminiJsonArrayStream_GetsNoComment_SoTheArrayStaysValidJson()
    {
        var s = await ScenarioAsync("gemini", Gemini25Pro);
        s.Fake.Usage = new FakeUsage(Input: 100, Output: 10);

        using var response = await s.Client.SendAsync(Requests.Gemini(s.Key, s.PublicName, "streamGenerateContent", Requests.Contents()));
        var body = await response.Content.ReadAsStringAsync();
        var record = await fixture.Router.Usage.For(response);

        Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(body).RootElement.ValueKind);
        // 100 × $1.25 + 10 × $10, per million
        Assert.Equal(0.000225m, record.CostUsd);
    }

    [Fact]
    public async Task GeminiJson_PromptJustOverTheThreshold_IsRecordedAsLongContext()
    {
        var s = await ScenarioAsync("gemini", Gemini25Pro);
        s.Fake.Usage = new FakeUsage(Input: 200_001, Output: 500);

        using var response = await s.Client.SendAsync(Requests.Gemini(s.Key, s.PublicName, "generateContent", Requests.Contents()));
        await response.Content.ReadAsStringAsync();
        var record = await fixture.Router.Usage.For(response);

        // 200,001 × $2.50 + 500 × $15, per million = 0.5000025 + 0.0075
        Assert.Equal("0.5075025", Header(response, CostReport.CostHeader));
        Assert.Equal((0.5075025m, true), (record.CostUsd, record.LongContext));
    }

    [Fact]
    public async Task Refusal_CostsNothing_AndSaysSo()
    {
        var s = await ScenarioAsync("anthropic", Sonnet45);

        using var response = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message("not-approved-anywhere")));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("0", Header(response, CostReport.CostHeader));
    }

    [Fact]
    public async Task BudgetRemaining_IsWhatIsLeftAfterThisRequest()
    {
        var s = await ScenarioAsync("anthropic", Sonnet45);
        await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{s.TeamId}/profile", new { budgets = new[] { new { scope = "developer", tokens = 1_000_000, usd = 25, cadence = "monthly" } } });
        s.Fake.Usage = new FakeUsage(Input: 1000, Output: 100);

        using var first = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName)));
        await first.Content.ReadAsStringAsync();

        // $0.0045 and 1,100 tokens spent out of $25 and 1,000,000 tokens.
        Assert.Equal("0.0045", Header(first, CostReport.CostHeader));
        Assert.Equal("usd=24.9955, tokens=998900", Header(first, CostReport.BudgetHeader));
    }

    [Fact]
    public async Task PriceChange_AppliesFromItsDate_AndNeverRewritesEarlierRecords()
    {
        var s = await ScenarioAsync("anthropic", new { inputPerMTok = 3, outputPerMTok = 15 });
        s.Fake.Usage = new FakeUsage(Input: 1_000_000, Output: 0);
        var clock = fixture.Router.Clock;
        var changeAt = clock.GetUtcNow().AddHours(1);
        await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/catalog/{s.UpstreamModel}", new { inputPerMTok = 4, outputPerMTok = 15, effectiveFrom = changeAt });

        using var before = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName)));
        var beforeRecord = await fixture.Router.Usage.For(before);
        clock.Advance(TimeSpan.FromHours(2));
        using var after = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName)));
        var afterRecord = await fixture.Router.Usage.For(after);
        var stored = await s.Admin.ListAsync($"/api/admin/usage?developerId={s.DeveloperId}");

        Assert.Equal((3m, 4m), (beforeRecord.CostUsd, afterRecord.CostUsd));
        Assert.Equal([4m, 3m], stored.Select(r => r!["costUsd"]!.GetValue<decimal>()));
    }
}
