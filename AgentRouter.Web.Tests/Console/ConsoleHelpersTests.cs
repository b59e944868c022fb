using System.Globalization;
using System.Security.Claims;
using AgentRouter.Web.Admin;
using AgentRouter.Web.Console;
using AgentRouter.Web.Providers;

namespace AgentRouter.Web.Tests.Console;

/// <summary>The console's small rules, without a renderer: money, strict decimals, audit differences, pin families,
/// date presets and each role's home.</summary>
public sealed class ConsoleHelpersTests
{
    [Theory]
    [InlineData("")]
    [InlineData("fr-FR")]
    [InlineData("de-DE")]
    public void Money_IsDollarsWithAPoint_WhateverTheServersCulture(string culture)
    {
        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(culture);
            Assert.Equal("$1,234.50", Money.Usd(1234.5m));
            Assert.Equal("$0.0042", Money.Precise(0.0042m));
            Assert.Equal("-$3.00", Money.Usd(-3m));
            Assert.DoesNotContain("¤", Money.Usd(1m));
        }
        finally
        {
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = saved;
        }
    }

    [Theory]
    [InlineData("EUR", null, "€12.30")]
    [InlineData("GBP", null, "£12.30")]
    [InlineData("CHF", null, "CHF\u00a012.30")]
    [InlineData("CHF", "Fr. ", "Fr. 12.30")]
    public void Money_UsesTheConfiguredCurrency(string currency, string? symbol, string expected) =>
        Assert.Equal(expected, Money.Format(12.3m, 2, currency, symbol));

    [Theory]
    [InlineData("3", 3.0)]
    [InlineData("3.10", 3.1)]
    [InlineData(" 0.3 ", 0.3)]
    [InlineData("1000000", 1000000.0)]
    public void StrictDecimal_AcceptsDigitsWithOnePoint(string text, double expected)
    {
        Assert.True(StrictDecimal.TryParse(text, out var value, out var error));
        Assert.Equal((decimal)expected, value);
        Assert.Null(error);
    }

    [Theory]
    [InlineData("3,1", "point")]
    [InlineData("1,000.5", "point")]
    [InlineData("-2", "Negative")]
    [InlineData("1e3", "number such as")]
    [InlineData("3.1.2", "number such as")]
    [InlineData("$3", "number such as")]
    [InlineData("3 000", "number such as")]
    public void StrictDecimal_RefusesEverythingElse_WithAMessage(string text, string message)
    {
        Assert.False(StrictDecimal.TryParse(text, out var value, out var error));
        Assert.Null(value);
        Assert.Contains(message, error);
    }

    [Fact]
    public void StrictDecimal_EmptyIsFineUnlessRequired_AndBoundsApply()
    {
        Assert.Null(StrictDecimal.Check(""));
        Assert.Equal("A value is required.", StrictDecimal.Check(" ", required: true));
        Assert.Equal("At least 0.01.", StrictDecimal.Check("0", min: 0.01m));
        Assert.Equal("At most 10.", StrictDecimal.Check("11", max: 10m));
    }

    [Fact]
    public void AuditDiff_ListsOnlyChangedFields_WithNamesForIds_AndDecodedText()
    {
        var team = Guid.NewGuid();
        var before = $$"""{"name":"Ada","teamId":"{{team}}","hint":"\u20261234","tools":["a","b"],"models":[{"name":"m1","upstreamModel":"v1"},{"name":"m2","upstreamModel":"x"}]}""";
        var after = $$"""{"name":"Ada L.","teamId":"{{team}}","hint":"\u20261234","tools":["a"],"models":[{"name":"m2","upstreamModel":"x"},{"name":"m1","upstreamModel":"v2"}],"extra":true}""";

        var changes = AuditDiff.Compare(before, after, id => id == team.ToString() ? "Payments" : null);

        Assert.Equal(
        [
            new FieldChange("name", "Ada", "Ada L."),
            new FieldChange("tools", "a, b", "a"),
            new FieldChange("models[m1].upstreamModel", "v1", "v2"),
            new FieldChange("extra", null, "yes"),
        ], changes);
        var created = AuditDiff.Compare(null, before, id => id == team.ToString() ? "Payments" : null);
        Assert.Contains(new FieldChange("teamId", null, "Payments"), created);
        Assert.Contains(new FieldChange("hint", null, "…1234"), created);
    }

    [Fact]
    public void PinCandidates_StayInTheModelFamily_AndTheSandboxStaysApart()
    {
        var catalog = new[] { "claude-sonnet-4-5-20250929", "claude-opus-4-1", "gpt-5", "gemini-2.5-pro", "sandbox-claude", "sandbox-gpt", "anthropic.claude-3-haiku" }
            .Select(m => new CatalogView(m, 3, 15, 3.75m, 0.3m, null, DateTimeOffset.UnixEpoch)).ToList();

        Assert.Equal(["anthropic.claude-3-haiku", "claude-opus-4-1"], PinCandidates.For("claude-sonnet-4-5-20250929", catalog).Select(c => c.Model));
        Assert.Empty(PinCandidates.For("sandbox-claude", catalog));
        Assert.Empty(PinCandidates.For("gpt-5", catalog));
        Assert.Equal("+$3.00 (+100%)", PinCandidates.Difference(3, 6));
        Assert.Equal("−$0.75 (−20%)", PinCandidates.Difference(3.75m, 3));
        Assert.Equal("same", PinCandidates.Difference(15, 15));
    }

    [Fact]
    public void DateRanges_CoverThisMonthLastMonthAndTheLastDays()
    {
        var today = new DateOnly(2025, 3, 14);

        Assert.Equal((new DateOnly(2025, 3, 1), today), DateRanges.For("this-month", today));
        Assert.Equal((new DateOnly(2025, 2, 1), new DateOnly(2025, 2, 28)), DateRanges.For("last-month", today));
        Assert.Equal((new DateOnly(2025, 3, 8), today), DateRanges.For("last-7", today));
        Assert.Equal((new DateOnly(2025, 2, 13), today), DateRanges.For("last-30", today));
        Assert.Equal("last-month", DateRanges.Match(new DateOnly(2025, 2, 1), new DateOnly(2025, 2, 28), today));
        Assert.Null(DateRanges.Match(new DateOnly(2025, 2, 2), today, today));
        Assert.Equal((new DateOnly(2024, 12, 1), new DateOnly(2024, 12, 31)), DateRanges.For("last-month", new DateOnly(2025, 1, 5)));
    }

    [Theory]
    [InlineData(Roles.Admin, "/")]
    [InlineData(Roles.Finance, "/finance")]
    [InlineData(Roles.Developer, "/me")]
    [InlineData("Nobody", "/account/denied")]
    public void EachRole_HasItsOwnHome(string role, string home)
    {
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "x"), new Claim(ClaimTypes.Role, role)], "test"));

        Assert.Equal(home, ConsoleHome.For(user));
        Assert.Equal(home, ConsoleHome.For([role]));
    }
}
