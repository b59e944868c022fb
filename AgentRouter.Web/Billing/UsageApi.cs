using AgentRouter.Web.Admin;
using AgentRouter.Web.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace AgentRouter.Web.Billing;

public sealed record UsageView(
    long Id, DateTimeOffset At, string RequestId, Guid TeamId, Guid? DeveloperId, Guid ApiKeyId, string Agent, string? SessionId,
    string Surface, string? RequestedModel, string? UpstreamModel, Guid? ProviderAccountId, string Billing, int Status, bool OverBudget,
    long InputTokens, long OutputTokens, long CacheWriteTokens, long CacheReadTokens, long ReasoningTokens, long TotalTokens,
    decimal CostUsd, int LatencyMs, int? TimeToFirstByteMs, bool Streamed, string? Error, bool UsageEstimated,
    long CacheWrite1hTokens = 0, long WebSearchRequests = 0, bool LongContext = false, int Attempts = 0, string? Failovers = null, string? UpstreamSurface = null);

internal static class UsageApi
{
    public const int MaxLimit = 10_000;

    public static void MapUsageApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/usage", ListAsync).WithTags("Usage");
    }

    /// <summary>Usage records, newest first, filtered by time window (inclusive from, exclusive to), team and developer.</summary>
    private static async Task<Results<Ok<List<UsageView>>, ValidationProblem>> ListAsync(
        DateTimeOffset? from, DateTimeOffset? to, Guid? teamId, Guid? developerId, int? limit, IDbContextFactory<AppDbContext> factory, CancellationToken ct)
    {
        var problems = Problems.ForListing(from, to, limit, MaxLimit);
        if (problems.Any)
            return TypedResults.ValidationProblem(problems.ToDictionary());

        await using var db = await factory.CreateDbContextAsync(ct);
        var query = db.Usage.AsNoTracking();
        if (from is { } start)
            query = query.Where(u => u.At >= start);
        if (to is { } end)
            query = query.Where(u => u.At < end);
        if (teamId is { } team)
            query = query.Where(u => u.TeamId == team);
        if (developerId is { } developer)
            query = query.Where(u => u.DeveloperId == developer);
        var records = await query.OrderByDescending(u => u.At).ThenByDescending(u => u.Id).Take(limit ?? 1000).ToListAsync(ct);
        return TypedResults.Ok(records.Select(u => new UsageView(
            u.Id, u.At, u.RequestId, u.TeamId, u.DeveloperId, u.ApiKeyId, u.Agent, u.SessionId, u.Surface, u.RequestedModel, u.UpstreamModel,
            u.ProviderAccountId, u.Billing.ToString().ToLowerInvariant(), u.Status, u.OverBudget, u.InputTokens, u.OutputTokens, u.CacheWriteTokens, u.CacheReadTokens,
            u.ReasoningTokens, u.TotalTokens, u.CostUsd, u.LatencyMs, u.TimeToFirstByteMs, u.Streamed, u.Error, u.UsageEstimated,
            u.CacheWrite1hTokens, u.WebSearchRequests, u.LongContext, u.Attempts, u.Failovers, u.UpstreamSurface)).ToList());
    }
}
