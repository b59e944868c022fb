using AgentRouter.Web.Admin;
using AgentRouter.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace AgentRouter.Web.Alerts;

public sealed record NotificationView(long Id, Guid TeamId, DateTimeOffset At, string Title, string Message, string? Link, bool Read);

/// <summary>The console bell: notifications a user may see, which they have read, and a signal when new ones arrive.</summary>
public sealed class ConsoleNotifications(IDbContextFactory<AppDbContext> factory)
{
    /// <summary>Raised in this process after new notifications are stored; open bells reload.</summary>
    public event Action? Changed;

    public void Publish() => Changed?.Invoke();

    /// <summary>The latest notifications a user may see: every team's for Admin and Finance, their own team's for a developer.</summary>
    public async Task<(List<NotificationView> Items, int Unread)> ForUserAsync(string userId, bool allTeams, int take, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var visible = db.Notifications.AsNoTracking();
        if (!allTeams)
        {
            var teams = await db.Developers.Where(d => d.UserId == userId).Select(d => d.TeamId).ToListAsync(cancellationToken);
            visible = visible.Where(n => teams.Contains(n.TeamId));
        }
        var read = db.NotificationReads.Where(r => r.UserId == userId).Select(r => r.NotificationId);
        var unread = await visible.CountAsync(n => !read.Contains(n.Id), cancellationToken);
        var items = await visible.OrderByDescending(n => n.Id).Take(take)
            .Select(n => new NotificationView(n.Id, n.TeamId, n.At, n.Title, n.Message, n.Link, read.Contains(n.Id)))
            .ToListAsync(cancellationToken);
        return (items, unread);
    }

    public async Task MarkReadAsync(string userId, IEnumerable<long> ids, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var wanted = ids.Distinct().ToList();
        var known = await db.NotificationReads.Where(r => r.UserId == userId && wanted.Contains(r.NotificationId)).Select(r => r.NotificationId).ToListAsync(cancellationToken);
        var exists = await db.Notifications.Where(n => wanted.Contains(n.Id)).Select(n => n.Id).ToListAsync(cancellationToken);
        db.NotificationReads.AddRange(exists.Except(known).Select(id => new ConsoleNotificationRead { NotificationId = id, UserId = userId }));
        await db.SaveChangesAsync(cancellationToken);
    }

    public static bool SeesAllTeams(System.Security.Claims.ClaimsPrincipal user) => user.IsInRole(Roles.Admin) || user.IsInRole(Roles.Finance);
}
