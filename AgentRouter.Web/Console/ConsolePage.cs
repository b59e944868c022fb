using AgentRouter.Web.Admin;
using AgentRouter.Web.Audit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace AgentRouter.Web.Console;

/// <summary>What every console page shares: who is acting, dialogs, and reporting a service's outcome.</summary>
public abstract class ConsolePage : ComponentBase
{
    [Inject] public required ISnackbar Snackbar { get; init; }
    [Inject] public required IDialogService Dialogs { get; init; }
    [Inject] public required TimeProvider Clock { get; init; }
    [Inject] public required PrerenderHandoff Handoff { get; init; }
    [CascadingParameter] public required Task<AuthenticationState> Authentication { get; set; }

    /// <summary>A page's first read: run while prerendering and handed to the interactive render, not run twice.</summary>
    protected Task<T> OnceAsync<T>(string key, Func<Task<T>> load) where T : notnull => Handoff.OnceAsync(key, RendererInfo.IsInteractive, load);

    public async Task<Actor> ActorAsync() => Actor.From((await Authentication).User, Clock);

    /// <summary>Opens a dialog and returns its result data, or default when cancelled.</summary>
    public async Task<T?> AskAsync<TDialog, T>(string title, DialogParameters<TDialog>? parameters = null, DialogOptions? options = null) where TDialog : IComponent
    {
        var dialog = await Dialogs.ShowAsync<TDialog>(title, parameters ?? [], options ?? new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true });
        var result = await dialog.Result;
        return result is { Canceled: false, Data: T data } ? data : default;
    }

    /// <summary>Options of a dialog that shows a secret once: neither Esc nor a click beside it may close it and lose the
    /// secret; only its own button does.</summary>
    public static readonly DialogOptions SecretOnceOptions = new()
    {
        MaxWidth = MaxWidth.Medium, FullWidth = true, CloseOnEscapeKey = false, BackdropClick = false, CloseButton = false,
    };

    /// <summary>Shows a secret once, with the lines to paste, until the user says they have copied it.</summary>
    public Task ShowSecretOnceAsync(string title, string secret, string label, IReadOnlyList<string> lines) =>
        AskAsync<Dialogs.SecretOnceDialog, object>(title, new DialogParameters<Dialogs.SecretOnceDialog>
        {
            { d => d.Secret, secret }, { d => d.Label, label }, { d => d.Lines, lines },
        }, SecretOnceOptions);

    /// <summary>A grid's paging and sorting, plus the page's search box, as a service query.</summary>
    protected static GridQuery Query<T>(GridState<T> state, string? search)
    {
        var sort = state.SortDefinitions.FirstOrDefault();
        return new GridQuery(state.Page, state.PageSize, string.IsNullOrWhiteSpace(search) ? null : search.Trim(), sort?.SortBy, sort?.Descending ?? false);
    }

    /// <summary>Asks before anything destructive.</summary>
    public async Task<bool> ConfirmAsync(string title, string message, string action) =>
        await Dialogs.ShowMessageBoxAsync(title, message, yesText: action, cancelText: "Cancel") == true;

    /// <summary>Shows the outcome of an admin service call; returns the value when it succeeded.</summary>
    public T? Report<T>(AdminResult<T> result, string success)
    {
        if (result.Succeeded)
        {
            Snackbar.Add(success, Severity.Success);
            return result.Value;
        }
        var message = result.Missing ?? string.Join(" ", result.Problems!.ToDictionary().SelectMany(p => p.Value));
        Snackbar.Add(message, Severity.Error);
        return default;
    }
}
