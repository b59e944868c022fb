using AgentRouter.Web.Console.Dialogs;
using AgentRouter.Web.Pricing;
using AgentRouter.Web.Providers;
using AgentRouter.Web.Tests.Console;
using AgentRouter.Web.Tests.Infrastructure;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace AgentRouter.Web.Tests.Pricing;

/// <summary>The price dialog: strict decimals with a message, every dimension editable, and the built-in price list
/// offered (prefilled, confirmed by the lead, never saved by itself).</summary>
public sealed class PriceDialogTests : ConsoleComponentContext
{
    private static readonly PriceList List = PriceList.LoadBuiltIn();

    private Task<IDialogReference> ShowAsync(CatalogView? existing = null) => ShowAsync(new DialogParameters<PriceDialog>
    {
        { d => d.Existing, existing }, { d => d.Offers, List.Models }, { d => d.OffersAsOf, List.AsOf },
    });

    [Theory]
    [InlineData("3,1", "Use a dot for decimals")]
    [InlineData("-1", "cannot be negative")]
    [InlineData("3.1.2", "Enter a price like 3.10")]
    public async Task AmbiguousOrNegativePrice_IsRefusedWithAMessage_AndTheDialogStaysOpen(string typed, string message)
    {
        var dialog = await ShowAsync();
        Providers.Find("[data-testid=catalog-model]").Change("my-model");
        Providers.Find("[data-testid=price-input]").Change(typed);
        Providers.Find("[data-testid=price-output]").Change("15");

        Providers.Find("[data-testid=save-price]").Click();

        Providers.WaitForAssertion(() => Assert.Contains(message, Providers.Markup));
        Assert.False(dialog.Result.IsCompleted);
    }

    [Fact]
    public async Task BuiltInPriceList_PrefillsEveryDimension_AndOnlySavingConfirmsIt()
    {
        var dialog = await ShowAsync();
        Assert.Contains(List.AsOf.ToString("yyyy-MM-dd"), Providers.Markup);

        var offers = Providers.FindComponent<MudSelect<string>>();
        await offers.InvokeAsync(() => offers.Instance.ValueChanged.InvokeAsync("claude-sonnet-4-5-20250929"));

        Providers.WaitForAssertion(() => Assert.Equal("3.00", Providers.Find("[data-testid=price-input]").GetAttribute("value")));
        Assert.Contains("Check every price", Providers.Find("[data-testid=offer-note]").TextContent);
        Assert.Equal("6.00", Providers.Find("[data-testid=price-cache-write-1h]").GetAttribute("value"));
        Assert.Equal("200000", Providers.Find("[data-testid=price-long-threshold]").GetAttribute("value"));
        Assert.False(dialog.Result.IsCompleted);

        Providers.Find("[data-testid=price-input]").Change("2.90"); // the lead's negotiated price wins
        Providers.Find("[data-testid=save-price]").Click();
        var result = await dialog.Result.WaitAsync(TimeSpan.FromSeconds(5));

        var (model, request) = ((string, PutCatalogRequest))result!.Data!;
        Assert.Equal("claude-sonnet-4-5-20250929", model);
        Assert.Equal((2.90m, 15m, 3.75m, 6m, 0.30m, 10m), (request.InputPerMTok, request.OutputPerMTok, request.CacheWritePerMTok, request.CacheWrite1hPerMTok, request.CacheReadPerMTok, request.WebSearchPer1K));
        Assert.Equal((200_000L, 6m, 22.50m), (request.LongContext!.ThresholdTokens, request.LongContext.InputPerMTok, request.LongContext.OutputPerMTok));
        Assert.Equal(64_000, request.MaxOutputTokens);
    }

    [Fact]
    public async Task ExistingEntry_SwitchingTheTierOff_RemovesIt()
    {
        var existing = new CatalogView("m", 3, 15, 3.75m, 0.30m, 1_000_000, DateTimeOffset.UnixEpoch, 64_000, 6, new LongContextView(200_000, 6, 22.5m, 7.5m, 12, 0.6m));
        var dialog = await ShowAsync(existing);
        Assert.Empty(Providers.FindAll("[data-testid=price-offer]"));

        var tier = Providers.FindComponent<MudSwitch<bool>>();
        await tier.InvokeAsync(() => tier.Instance.ValueChanged.InvokeAsync(false));
        Providers.Find("[data-testid=save-price]").Click();
        var result = await dialog.Result.WaitAsync(TimeSpan.FromSeconds(5));

        var (_, request) = ((string, PutCatalogRequest))result!.Data!;
        Assert.Null(request.LongContext!.ThresholdTokens);
    }
}

/// <summary>Today's spend on My access, from the priced usage records.</summary>
public sealed class MySpendTodayTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task ShowsTheDeveloperTodaysSpend_ByModel()
    {
        var s = await fixture.ScenarioAsync("anthropic", "spend-model", "spend-upstream-" + Guid.NewGuid().ToString("N")[..6]);
        await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/catalog/{s.UpstreamModel}", new { inputPerMTok = 3, outputPerMTok = 15, webSearchPer1K = 10 });
        s.Fake.Usage = new Fakes.FakeUsage(Input: 3200, Output: 450, WebSearches: 2);
        for (var i = 0; i < 2; i++)
        {
            using var response = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName)));
            await fixture.Router.Usage.For(response);
        }

        await using var bunit = new BunitContext();
        bunit.JSInterop.Mode = JSRuntimeMode.Loose;
        bunit.Services.AddMudServices();
        bunit.Services.AddSingleton(fixture.Router.Services.GetRequiredService<SpendQueries>());
        var panel = bunit.Render<MySpendToday>(p => p.Add(c => c.DeveloperId, s.DeveloperId));

        // Two requests at 0.03635 each.
        panel.WaitForAssertion(() => Assert.Equal("$0.0727", panel.Find("[data-testid=spend-today-total]").TextContent));
        Assert.Contains("spend-model", panel.Markup);
        Assert.Contains("2 requests", panel.Markup);
    }
}
