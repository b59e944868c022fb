using AgentRouter.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace AgentRouter.Web.Audit;

internal static class AuditApi
{
    public static void MapAuditApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/audit", async (string? entityType, string? entityId, int? limit, IDbContextFactory<AppDbContext> factory, CancellationToken ct) =>
        {
            await using var db = await factory.CreateDbContextAsync(ct);
            var query = db.AuditEvents.AsNoTracking();
            if (!string.IsNullOrEmpty(entityType))
                query = query.Where(a => a.EntityType == entityType);
            if (!string.IsNullOrEmpty(entityId))
                query = query.Where(a => a.EntityId == entityId);
            return await query.OrderByDescending(a => a.Id).Take(Math.Clamp(limit ?? 200, 1, 5000)).ToListAsync(ct);
        }).WithTags("Audit");
    }
}
