using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace AgentRouter.Web.Tests.Console;

/// <summary>One bUnit context for console components: MudBlazor services, loose JS interop, and the providers
/// (dialogs, popovers) that MudBlazor renders into.</summary>
public abstract class ConsoleComponentContext : BunitContext
{
    protected ConsoleComponentContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        // The provider dialog renders each kind's own fields.
        Services.AddOptions();
        AgentRouter.Web.Providers.ProviderAdapterRegistration.AddProviderAdapters(Services);
        // Pages read their first data through the prerender handoff (a page test sets an interactive RendererInfo once its
        // services are in: the handoff then finds nothing kept and loads).
        AddBunitPersistentComponentState();
        Services.AddSingleton(services => new AgentRouter.Web.Console.PrerenderedResults(services.GetService<TimeProvider>() ?? TimeProvider.System));
        Services.AddScoped<AgentRouter.Web.Console.PrerenderHandoff>();
    }

    /// <summary>Where dialogs and popovers appear (rendered on first use, so tests can still add services before);
    /// re-query it after each interaction.</summary>
    protected IRenderedComponent<MudDialogAndPopovers> Providers => field ??= Render<MudDialogAndPopovers>();

    /// <summary>Shows a dialog the way a page does and returns its reference.</summary>
    protected async Task<IDialogReference> ShowAsync<TDialog>(DialogParameters<TDialog>? parameters = null) where TDialog : IComponent
    {
        var dialogs = Services.GetRequiredService<IDialogService>();
        IDialogReference? reference = null;
        await Providers.InvokeAsync(async () => reference = await dialogs.ShowAsync<TDialog>("Test", parameters ?? []));
        return reference!;
    }

    /// <summary>Both providers in one tree, as MainLayout has them.</summary>
    public sealed class MudDialogAndPopovers : ComponentBase
    {
        protected override void BuildRenderTree(Microsoft.AspNetCore.Components.Rendering.RenderTreeBuilder builder)
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<MudDialogProvider>(1);
            builder.CloseComponent();
        }
    }
}
