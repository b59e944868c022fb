using AgentRouter.Web.Admin;
using AgentRouter.Web.Audit;
using AgentRouter.Web.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace AgentRouter.Web.Mcp;

public sealed record McpCallView(
    long Id, DateTimeOffset At, string RequestId, Guid TeamId, Guid? DeveloperId, Guid ApiKeyId, string Agent, Guid? ServerId, string Server,
    string Tool, int Status, string Outcome, string? Error, int LatencyMs);

/// <summary>The admin API of the MCP gateway: the server registry and the record of tool calls.</summary>
internal static class McpApi
{
    public const int MaxLimit = 10_000;

    public static void MapMcpAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin").RequireAuthorization(AdminApi.Policy).DisableAntiforgery();

        var servers = admin.MapGroup("/mcp-servers").WithTags("MCP servers");
        servers.MapGet("/", (McpServerService service, CancellationToken ct) => service.ListAsync(ct));
        servers.MapGet("/{id:guid}", async Task<Results<Ok<McpServerView>, ValidationProblem, NotFound<ProblemDetails>>> (Guid id, McpServerService service, CancellationToken ct) =>
            (await service.GetAsync(id, ct)).ToOk());
        servers.MapPost("/", async Task<Results<Created<McpServerView>, ValidationProblem, NotFound<ProblemDetails>>> (CreateMcpServerRequest request, McpServerService service, HttpContext http, TimeProvider clock) =>
            (await service.CreateAsync(request, Actor.From(http.User, clock), http.RequestAborted)).ToCreated(s => $"/api/admin/mcp-servers/{s.Id}"));
        servers.MapPut("/{id:guid}", async Task<Results<Ok<McpServerView>, ValidationProblem, NotFound<ProblemDetails>>> (Guid id, CreateMcpServerRequest request, McpServerService service, HttpContext http, TimeProvider clock) =>
            (await service.UpdateAsync(id, request, Actor.From(http.User, clock), http.RequestAborted)).ToOk());
        servers.MapDelete("/{id:guid}", async Task<Results<Ok<McpServerView>, ValidationProblem, NotFound<ProblemDetails>>> (Guid id, McpServerService service, HttpContext http, TimeProvider clock) =>
            (await service.DeleteAsync(id, Actor.From(http.User, clock), http.RequestAborted)).ToOk());
        servers.MapGet("/{id:guid}/tools", async Task<Results<Ok<List<McpToolInfo>>, ValidationProblem, NotFound<ProblemDetails>>> (Guid id, McpToolDiscovery discovery, CancellationToken ct) =>
            (await discovery.ListAsync(id, ct)).ToOk());
        servers.MapPut("/{id:guid}/secret", async Task<Results<Ok<McpServerView>, ValidationProblem, NotFound<ProblemDetails>>> (Guid id, RotateMcpSecretRequest request, McpServerService service, HttpContext http, TimeProvider clock) =>
            (await service.RotateSecretAsync(id, request, Actor.From(http.User, clock), http.RequestAborted)).ToOk());

        admin.MapGet("/mcp-calls", ListCallsAsync).WithTags("MCP servers");
    }

    /// <summary>Tool calls, newest first, filtered by time window (inclusive from, exclusive to), team and developer.</summary>
    private static async Task<Results<Ok<List<McpCallView>>, ValidationProblem>> ListCallsAsync(
        DateTimeOffset? from, DateTimeOffset? to, Guid? teamId, Guid? developerId, int? limit, IDbContextFactory<AppDbContext> factory, CancellationToken ct)
    {
        var problems = Problems.ForListing(from, to, limit, MaxLimit);
        if (problems.Any)
            return TypedResults.ValidationProblem(problems.ToDictionary());

        await using var db = await factory.CreateDbContextAsync(ct);
        var query = db.McpCalls.AsNoTracking();
        if (from is { } start)
            query = query.Where(c => c.At >= start);
        if (to is { } end)
            query = query.Where(c => c.At < end);
        if (teamId is { } team)
            query = query.Where(c => c.TeamId == team);
        if (developerId is { } developer)
            query = query.Where(c => c.DeveloperId == developer);
        var calls = await query.OrderByDescending(c => c.At).ThenByDescending(c => c.Id).Take(limit ?? 1000).ToListAsync(ct);
        return TypedResults.Ok(calls.Select(c => new McpCallView(
            c.Id, c.At, c.RequestId, c.TeamId, c.DeveloperId, c.ApiKeyId, c.Agent, c.ServerId, c.Server, c.Tool, c.Status, c.Outcome, c.Error, c.LatencyMs)).ToList());
    }
}
