using AgentRouter.Web.Admin;
using AgentRouter.Web.Audit;
using AgentRouter.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace AgentRouter.Web.Alerts;

/// <summary>A channel as clients see it: the URL masked, the secret as a hint only.</summary>
public sealed record AlertChannelView(Guid Id, Guid TeamId, string Kind, string Name, string Url, string? SecretHint, bool Enabled, DateTimeOffset CreatedAt);

/// <summary><c>kind</c> webhook|slack, a name, and the URL (for Slack, the incoming-webhook URL).</summary>
public sealed record CreateAlertChannelRequest(string? Kind, string? Name, string? Url);

/// <summary>A null field stays as it is.</summary>
public sealed record UpdateAlertChannelRequest(string? Name, string? Url, bool? Enabled);

/// <summary>The new channel, and (for a webhook) its signing secret: shown this once, never again.</summary>
public sealed record AlertChannelCreated(AlertChannelView Channel, string? Secret);

public sealed record AlertSecretRotated(AlertChannelView Channel, string Secret);

public sealed record AlertAttemptView(DateTimeOffset At, int? StatusCode, string? Error, long DurationMs);

public sealed record AlertDeliveryView(Guid Id, Guid ChannelId, string ChannelName, string Kind, bool Test, string Summary, string Status,
    int Attempts, DateTimeOffset CreatedAt, DateTimeOffset? NextAttemptAt, List<AlertAttemptView> AttemptLog);

/// <summary>A team's alert channels and their deliveries. Every change is audited with masked views.</summary>
public sealed class AlertChannelService(IDbContextFactory<AppDbContext> factory, SecretProtector secrets, AlertDeliveryJob deliveries)
{
    public async Task<AdminResult<List<AlertChannelView>>> ListAsync(Guid teamId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (!await db.Teams.AnyAsync(t => t.Id == teamId, cancellationToken))
            return AdminResult<List<AlertChannelView>>.NotFound($"No team {teamId}.");
        var channels = await db.AlertChannels.AsNoTracking().Where(c => c.TeamId == teamId).OrderBy(c => c.CreatedAt).ToListAsync(cancellationToken);
        return channels.Select(View).ToList();
    }

    public async Task<AdminResult<AlertChannelCreated>> CreateAsync(Guid teamId, CreateAlertChannelRequest request, Actor actor, CancellationToken cancellationToken)
    {
        var problems = new Problems();
        AlertChannelKind? kind = request.Kind switch { "webhook" => AlertChannelKind.Webhook, "slack" => AlertChannelKind.Slack, _ => null };
        problems.Require(kind is not null, "kind", "Kind is webhook or slack.");
        var name = ValidName(request.Name, problems);
        ValidUrl(request.Url, problems);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (!await db.Teams.AnyAsync(t => t.Id == teamId, cancellationToken))
            return AdminResult<AlertChannelCreated>.NotFound($"No team {teamId}.");
        if (problems.Any)
            return AdminResult<AlertChannelCreated>.Invalid(problems);

        var url = secrets.Protect(request.Url!.Trim());
        var channel = new AlertChannel { TeamId = teamId, Kind = kind!.Value, Name = name!, UrlCipher = url.Cipher, UrlHint = UrlHint(request.Url!.Trim()), CreatedAt = actor.At };
        string? secret = null;
        if (channel.Kind == AlertChannelKind.Webhook)
            (channel.SecretCipher, channel.SecretHint) = secrets.Protect(secret = WebhookSignature.NewSecret());
        db.AlertChannels.Add(channel);
        db.Audit(actor, "alert-channel.created", "AlertChannel", channel.Id, null, View(channel));
        await db.SaveChangesAsync(cancellationToken);
        return new AlertChannelCreated(View(channel), secret);
    }

    public async Task<AdminResult<AlertChannelView>> UpdateAsync(Guid teamId, Guid id, UpdateAlertChannelRequest request, Actor actor, CancellationToken cancellationToken)
    {
        var problems = new Problems();
        var name = request.Name is null ? null : ValidName(request.Name, problems);
        if (request.Url is not null)
            ValidUrl(request.Url, problems);
        if (problems.Any)
            return AdminResult<AlertChannelView>.Invalid(problems);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (await db.AlertChannels.FirstOrDefaultAsync(c => c.Id == id && c.TeamId == teamId, cancellationToken) is not { } channel)
            return AdminResult<AlertChannelView>.NotFound($"No alert channel {id} in team {teamId}.");
        var before = View(channel);
        if (name is not null)
            channel.Name = name;
        if (request.Url is { } newUrl)
            (channel.UrlCipher, channel.UrlHint) = (secrets.Protect(newUrl.Trim()).Cipher, UrlHint(newUrl.Trim()));
        if (request.Enabled is { } enabled)
            channel.Enabled = enabled;
        db.Audit(actor, "alert-channel.updated", "AlertChannel", id, before, View(channel));
        await db.SaveChangesAsync(cancellationToken);
        return View(channel);
    }

    public async Task<AdminResult<AlertChannelView>> DeleteAsync(Guid teamId, Guid id, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (await db.AlertChannels.FirstOrDefaultAsync(c => c.Id == id && c.TeamId == teamId, cancellationToken) is not { } channel)
            return AdminResult<AlertChannelView>.NotFound($"No alert channel {id} in team {teamId}.");
        db.AlertChannels.Remove(channel);
        db.Audit(actor, "alert-channel.deleted", "AlertChannel", id, View(channel), null);
        await db.SaveChangesAsync(cancellationToken);
        return View(channel);
    }

    /// <summary>Replaces a webhook's signing secret; the old one stops working at once (retries are signed with the new one).</summary>
    public async Task<AdminResult<AlertSecretRotated>> RotateSecretAsync(Guid teamId, Guid id, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (await db.AlertChannels.FirstOrDefaultAsync(c => c.Id == id && c.TeamId == teamId, cancellationToken) is not { } channel)
            return AdminResult<AlertSecretRotated>.NotFound($"No alert channel {id} in team {teamId}.");
        if (channel.Kind != AlertChannelKind.Webhook)
            return AdminResult<AlertSecretRotated>.Invalid(new Problems().Add("kind", "Only webhook channels are signed; a Slack channel's credential is its URL: replace the URL instead."));
        var before = View(channel);
        var secret = WebhookSignature.NewSecret();
        (channel.SecretCipher, channel.SecretHint) = secrets.Protect(secret);
        db.Audit(actor, "alert-channel.secret-rotated", "AlertChannel", id, before, View(channel));
        await db.SaveChangesAsync(cancellationToken);
        return new AlertSecretRotated(View(channel), secret);
    }

    /// <summary>Sends a sample alert now (first attempt inline, so the caller sees the answer); a failure is retried like any delivery.</summary>
    public async Task<AdminResult<AlertDeliveryView>> SendTestAsync(Guid teamId, Guid id, Actor actor, CancellationToken cancellationToken)
    {
        Guid deliveryId;
        await using (var db = await factory.CreateDbContextAsync(cancellationToken))
        {
            if (await db.AlertChannels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id && c.TeamId == teamId, cancellationToken) is not { } channel)
                return AdminResult<AlertDeliveryView>.NotFound($"No alert channel {id} in team {teamId}.");
            var team = await db.Teams.AsNoTracking().Where(t => t.Id == teamId).Select(t => new AlertTeam(t.Id, t.Slug, t.Name)).FirstAsync(cancellationToken);
            var now = actor.At;
            var start = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
            var sample = new BudgetAlertMessage(BudgetAlertMessage.ThresholdCrossed, true, now, team,
                new AlertBudget("team", "daily", "block", 1_000_000, null, [50, 80, 100]), "Team pool", 80, 812_345, 0m, 81.2, start, start.AddDays(1), null);
            var delivery = new AlertDelivery
            {
                TeamId = teamId, ChannelId = id, Test = true, Payload = sample.ToJson(), Summary = sample.Summary(),
                Status = AlertDeliveryStatus.Pending, CreatedAt = now, NextAttemptAt = now,
            };
            db.AlertDeliveries.Add(delivery);
            db.Audit(actor, "alert-channel.tested", "AlertChannel", id, null, View(channel));
            await db.SaveChangesAsync(cancellationToken);
            deliveryId = delivery.Id;
        }
        await deliveries.DeliverAsync(deliveryId, cancellationToken);
        var views = await DeliveriesAsync(teamId, 200, cancellationToken);
        return views.Value!.First(d => d.Id == deliveryId);
    }

    public async Task<AdminResult<List<AlertDeliveryView>>> DeliveriesAsync(Guid teamId, int limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 500)
            return AdminResult<List<AlertDeliveryView>>.Invalid(new Problems().Add("limit", "Limit must be between 1 and 500."));
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (!await db.Teams.AnyAsync(t => t.Id == teamId, cancellationToken))
            return AdminResult<List<AlertDeliveryView>>.NotFound($"No team {teamId}.");
        var rows = await (from d in db.AlertDeliveries.AsNoTracking().Include(d => d.AttemptLog)
                          join c in db.AlertChannels.AsNoTracking() on d.ChannelId equals c.Id
                          where d.TeamId == teamId
                          orderby d.CreatedAt descending
                          select new { d, c.Name, c.Kind }).Take(limit).ToListAsync(cancellationToken);
        return rows.Select(r => new AlertDeliveryView(r.d.Id, r.d.ChannelId, r.Name, Wire(r.Kind), r.d.Test, r.d.Summary, Wire(r.d.Status), r.d.Attempts, r.d.CreatedAt,
            r.d.Status == AlertDeliveryStatus.Pending ? r.d.NextAttemptAt : null,
            r.d.AttemptLog.OrderBy(a => a.Id).Select(a => new AlertAttemptView(a.At, a.StatusCode, a.Error, a.DurationMs)).ToList())).ToList();
    }

    private static AlertChannelView View(AlertChannel c) => new(c.Id, c.TeamId, Wire(c.Kind), c.Name, c.UrlHint, c.SecretHint, c.Enabled, c.CreatedAt);

    private static string Wire<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    private static string? ValidName(string? name, Problems problems)
    {
        var trimmed = name?.Trim();
        problems.Require(!string.IsNullOrEmpty(trimmed) && trimmed.Length <= 100, "name", "A name is required (at most 100 characters).");
        return trimmed;
    }

    private static void ValidUrl(string? url, Problems problems) =>
        problems.Require(Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" && string.IsNullOrEmpty(uri.UserInfo) && url!.Length <= 2000,
            "url", "An absolute http(s) URL without credentials in it is required (Slack: the incoming-webhook URL).");

    /// <summary>The scheme and host, and the last four characters: the rest of a Slack webhook URL is its credential.</summary>
    internal static string UrlHint(string url)
    {
        var uri = new Uri(url);
        return $"{uri.Scheme}://{uri.Authority}/…{(url.Length > 12 ? url[^4..] : "")}";
    }
}
