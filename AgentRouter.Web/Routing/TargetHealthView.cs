using AgentRouter.Web.Admin;
using AgentRouter.Web.Gateway;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AgentRouter.Web.Routing;

/// <summary>A multi-target model of a team and how each of its targets is doing in this process.</summary>
public sealed record ModelTargetsView(string Model, List<TargetView> Targets);

public sealed record TargetView(Guid AccountId, string Account, string UpstreamModel, int Priority, int Weight, string State, DateTimeOffset? RestedUntil,
    long Served, long Failed, string? LastFailure, DateTimeOffset? LastFailureAt);

public sealed record TargetHealthList(List<ModelTargetsView> Items);

/// <summary>Reads target health for the console and the admin API from the policy snapshot and the breakers: no
/// database round-trip. Breakers are per process, so with several replicas each shows its own view.</summary>
public sealed class TargetHealthView(PolicyCache policy, TargetHealth health)
{
    public List<ModelTargetsView>? ForTeam(Guid teamId) =>
        !policy.Current.Teams.TryGetValue(teamId, out var team) ? null
        : team.Models.Where(m => m.Targets.Count > 1).Select(m => new ModelTargetsView(m.PublicName, m.Targets.Select(View).ToList())).ToList();

    private TargetView View(RouteTarget target)
    {
        var status = health.Status(target.Key);
        return new TargetView(target.Account.Id, target.Account.Name, target.UpstreamModel, target.Priority, target.Weight, status.State, status.RestedUntil,
            status.Served, status.Failed, status.LastFailure, status.LastFailureAt);
    }

    internal static void Map(IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin").RequireAuthorization(AdminApi.Policy).WithTags("Routing");
        admin.MapGet("/teams/{teamId:guid}/targets", GetTargets);
    }

    private static Results<Ok<TargetHealthList>, NotFound> GetTargets(Guid teamId, TargetHealthView view) =>
        view.ForTeam(teamId) is { } models ? TypedResults.Ok(new TargetHealthList(models)) : TypedResults.NotFound();
}
