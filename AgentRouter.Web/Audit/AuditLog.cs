using System.Security.Claims;
using System.Text.Json;
using AgentRouter.Web.Data;

namespace AgentRouter.Web.Audit;

/// <summary>Adds an <see cref="AuditEvent"/> to the pending changes, so it commits (or not) with the change it describes.
/// Callers pass views of the entity that carry no secrets.</summary>
public static class AuditLog
{
    // Relaxed escaping keeps "…" and non-Latin names readable in the stored before/after (the console HTML-encodes them).
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Audit(this AppDbContext db, Actor actor, string action, string entityType, object entityId, object? before, object? after) =>
        db.AuditEvents.Add(new AuditEvent
        {
            At = actor.At,
            Actor = actor.Name,
            Action = action,
            EntityType = entityType,
            EntityId = entityId.ToString() ?? "",
            Before = before is null ? null : JsonSerializer.Serialize(before, before.GetType(), Json),
            After = after is null ? null : JsonSerializer.Serialize(after, after.GetType(), Json),
        });
}

/// <summary>Who is making an admin change, and when.</summary>
public sealed record Actor(string Name, DateTimeOffset At)
{
    public static Actor From(ClaimsPrincipal user, TimeProvider clock) => new(user.Identity?.Name ?? "unknown", clock.GetUtcNow());
}
