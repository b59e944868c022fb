using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AgentRouter.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Alerts;

/// <summary>Sends pending alert deliveries whose time has come, records every attempt, and reschedules a failure with
/// exponential backoff until <see cref="AlertOptions.MaxAttempts"/>. Each delivery is claimed with a conditional update
/// first, so two runs (or two replicas) never send the same attempt twice.</summary>
public sealed class AlertDeliveryJob(
    IDbContextFactory<AppDbContext> factory, IHttpClientFactory http, SecretProtector secrets, IOptions<AlertOptions> options,
    TimeProvider clock, ILogger<AlertDeliveryJob> logger)
{
    public const string HttpClientName = "alerts";

    /// <summary>Returns how many deliveries were attempted.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        List<Guid> due;
        await using (var db = await factory.CreateDbContextAsync(cancellationToken))
            due = await db.AlertDeliveries.AsNoTracking().Where(d => d.Status == AlertDeliveryStatus.Pending && d.NextAttemptAt <= now)
                .OrderBy(d => d.NextAttemptAt).Select(d => d.Id).Take(100).ToListAsync(cancellationToken);
        var attempted = 0;
        foreach (var id in due)
            if (await DeliverAsync(id, cancellationToken))
                attempted++;
        return attempted;
    }

    /// <summary>Makes one attempt at a due delivery; false when it is not due or another run claimed it.</summary>
    public async Task<bool> DeliverAsync(Guid id, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = clock.GetUtcNow();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var lease = now + settings.Timeout + TimeSpan.FromMinutes(1);
        var claimed = await db.AlertDeliveries
            .Where(d => d.Id == id && d.Status == AlertDeliveryStatus.Pending && d.NextAttemptAt <= now)
            .ExecuteUpdateAsync(d => d.SetProperty(x => x.NextAttemptAt, lease), cancellationToken);
        if (claimed == 0)
            return false;

        var delivery = await db.AlertDeliveries.FirstAsync(d => d.Id == id, cancellationToken);
        var channel = await db.AlertChannels.AsNoTracking().FirstAsync(c => c.Id == delivery.ChannelId, cancellationToken);
        var attempt = new AlertDeliveryAttempt { DeliveryId = id, At = now };
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var request = Request(channel, delivery, now);
            using var client = http.CreateClient(HttpClientName);
            client.Timeout = settings.Timeout;
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            attempt.StatusCode = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
                attempt.Error = $"The receiver answered {(int)response.StatusCode} {response.ReasonPhrase}.";
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Network messages name the host at most, never the URL's path (which, for Slack, is the credential);
            // anything else (a key ring that lost the channel's key, say) is recorded by type only, and retried like a failure.
            attempt.Error = ex switch
            {
                TaskCanceledException => $"No answer within {settings.Timeout.TotalSeconds:0} s.",
                HttpRequestException => Truncate(ex.Message),
                _ => $"Could not send: {ex.GetType().Name}.",
            };
        }
        attempt.DurationMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;

        delivery.Attempts++;
        delivery.AttemptLog.Add(attempt);
        if (attempt.Error is null)
            delivery.Status = AlertDeliveryStatus.Delivered;
        else if (delivery.Attempts >= settings.MaxAttempts)
            delivery.Status = AlertDeliveryStatus.Failed;
        else
            delivery.NextAttemptAt = now + Backoff(delivery.Attempts, settings);
        await db.SaveChangesAsync(cancellationToken);
        if (attempt.Error is not null)
            logger.LogWarning("Alert delivery {Delivery} to channel {Channel} failed (attempt {Attempt}): {Error}", id, channel.Name, delivery.Attempts, attempt.Error);
        return true;
    }

    /// <summary>The wait after the n-th failed attempt: first, then doubled each time, capped.</summary>
    public static TimeSpan Backoff(int failedAttempts, AlertOptions options)
    {
        var factor = Math.Pow(2, Math.Min(failedAttempts - 1, 30));
        return TimeSpan.FromTicks((long)Math.Min(options.FirstRetryAfter.Ticks * factor, options.MaxRetryAfter.Ticks));
    }

    private HttpRequestMessage Request(AlertChannel channel, AlertDelivery delivery, DateTimeOffset now)
    {
        var url = secrets.Unprotect(channel.UrlCipher);
        var body = channel.Kind == AlertChannelKind.Slack
            ? Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { text = BudgetAlertMessage.FromJson(delivery.Payload).SlackText() }))
            : Encoding.UTF8.GetBytes(delivery.Payload);
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.UserAgent.ParseAdd("AgentRouter-Alerts/1");
        if (channel.Kind == AlertChannelKind.Webhook)
        {
            request.Headers.Add("X-AgentRouter-Event", delivery.Test ? "test" : BudgetAlertMessage.ThresholdCrossed);
            request.Headers.Add("X-AgentRouter-Delivery", delivery.Id.ToString());
            if (channel.SecretCipher is { } cipher)
                request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(secrets.Unprotect(cipher), now, body));
        }
        return request;
    }

    private static string Truncate(string text) => text.Length <= 500 ? text : text[..500];
}
