using AgentRouter.Web.Admin;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AgentRouter.Web.Console;

/// <summary>A create or edit dialog that saves through the admin service itself, so the server's own rules decide:
/// when the service refuses, its messages appear on the fields (or above them) and the dialog stays open with
/// everything typed; it closes with the saved value only on success. Without <see cref="Save"/> it returns the request.</summary>
public abstract class ServerDialog<TRequest, TResult> : ComponentBase
{
    private Dictionary<string, string[]> _errors = [];

    [CascadingParameter] public required IMudDialogInstance MudDialog { get; set; }

    /// <summary>Saves the request with the server's rules (an admin service call).</summary>
    [Parameter] public Func<TRequest, Task<AdminResult<TResult>>>? Save { get; set; }

    protected bool Saving { get; private set; }

    /// <summary>The server's fields this dialog shows next to an input; other messages appear in <see cref="GeneralErrors"/>.</summary>
    protected virtual IReadOnlyCollection<string> FieldNames => [];

    protected bool HasError(string field) => _errors.ContainsKey(field);

    protected string? ErrorFor(string field) => _errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;

    protected IEnumerable<string> GeneralErrors => _errors.Where(e => !FieldNames.Contains(e.Key)).SelectMany(e => e.Value);

    /// <summary>Forgets the server's message for a field once the user edits it.</summary>
    protected void Clear(string field) => _errors.Remove(field);

    protected async Task SaveAsync(TRequest request)
    {
        if (Save is null)
        {
            MudDialog.Close(DialogResult.Ok(request));
            return;
        }
        Saving = true;
        try
        {
            var result = await Save(request);
            if (result.Succeeded)
            {
                MudDialog.Close(DialogResult.Ok(result.Value));
                return;
            }
            _errors = result.Problems?.ToDictionary() ?? new Dictionary<string, string[]> { [""] = [result.Missing!] };
        }
        finally
        {
            Saving = false;
        }
        StateHasChanged();
    }
}
