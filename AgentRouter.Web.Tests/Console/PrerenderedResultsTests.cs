using AgentRouter.Web.Console;
using Microsoft.Extensions.Time.Testing;

namespace AgentRouter.Web.Tests.Console;

/// <summary>What a prerender keeps for the interactive render: taken once, only by the same user for the same key, only
/// while fresh, and never more than the capacity.</summary>
public sealed class PrerenderedResultsTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void TryTake_SameUserAndKey_ReturnsTheResultOnce()
    {
        var results = new PrerenderedResults(_clock);
        var report = new List<int> { 1, 2, 3 };
        var token = results.Add("finance:from=2026-11-01", "user-1", report)!;

        Assert.True(results.TryTake<List<int>>(token, "finance:from=2026-11-01", "user-1", out var taken));
        Assert.Same(report, taken);
        Assert.False(results.TryTake<List<int>>(token, "finance:from=2026-11-01", "user-1", out _));
        Assert.Equal(0, results.Count);
    }

    [Theory]
    [InlineData("finance:from=2026-11-01", "user-2")]
    [InlineData("finance:from=2026-10-01", "user-1")]
    public void TryTake_AnotherUserOrKey_GetsNothing_AndTheEntryIsGone(string key, string user)
    {
        var results = new PrerenderedResults(_clock);
        var token = results.Add("finance:from=2026-11-01", "user-1", "report")!;

        Assert.False(results.TryTake<string>(token, key, user, out _));
        Assert.False(results.TryTake<string>(token, "finance:from=2026-11-01", "user-1", out _));
    }

    [Fact]
    public void TryTake_AfterTheLifetime_GetsNothing_AndAddSweepsExpiredEntries()
    {
        var results = new PrerenderedResults(_clock);
        var stale = results.Add("overview", "user-1", "old")!;
        results.Add("overview", "user-2", "old");
        _clock.Advance(PrerenderedResults.Lifetime);

        Assert.False(results.TryTake<string>(stale, "overview", "user-1", out _));
        results.Add("overview", "user-3", "new");
        Assert.Equal(1, results.Count);
    }

    [Fact]
    public void Add_WhenFull_KeepsNothing_UntilEntriesExpire()
    {
        var results = new PrerenderedResults(_clock);
        for (var i = 0; i < PrerenderedResults.Capacity; i++)
            Assert.NotNull(results.Add($"k{i}", "user", i));

        Assert.Null(results.Add("one-more", "user", 0));
        _clock.Advance(PrerenderedResults.Lifetime);
        Assert.NotNull(results.Add("one-more", "user", 0));
    }

    [Fact]
    public void TryTake_OfAnotherType_GetsNothing()
    {
        var results = new PrerenderedResults(_clock);
        var token = results.Add("overview", "user", "text")!;

        Assert.False(results.TryTake<List<int>>(token, "overview", "user", out _));
    }
}
