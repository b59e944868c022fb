using AgentRouter.Web.Admin;
using AgentRouter.Web.Audit;
using AgentRouter.Web.Profiles;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace AgentRouter.Web.Teams;

internal static class TeamsApi
{
    public static void MapTeamsApi(this RouteGroupBuilder admin)
    {
        var teams = admin.MapGroup("/teams").WithTags("Teams");
        teams.MapGet("/", (TeamService service, CancellationToken ct) => service.ListAsync(ct));
        teams.MapGet("/{id:guid}", async Task<Results<Ok<TeamView>, ValidationProblem, NotFound<ProblemDetails>>> (Guid id, TeamService service, CancellationToken ct) =>
            (await service.GetAsync(id, ct)).ToOk());
        teams.MapPost("/", async Task<Results<Created<TeamView>, ValidationProblem, NotFound<ProblemDetails>>> (CreateTeamRequest request, TeamService service, HttpContext http, TimeProvider clock) =>
            (await service.CreateAsync(request, Actor.From(http.User, clock), http.RequestAborted)).ToCreated(t => $"/api/admin/teams/{t.Id}"));
        teams.MapGet("/{id:guid}/profile", async Task<Results<Ok<ProfileDocument>, ValidationProblem, NotFound<ProblemDetails>>> (Guid id, ProfileService service, CancellationToken ct) =>
            (await service.GetAsync(id, ct)).ToOk());
        teams.MapPut("/{id:guid}/profile", async Task<Results<Ok<ProfileDocument>, ValidationProblem, NotFound<ProblemDetails>>> (Guid id, ProfileDocument document, ProfileService service, HttpContext http, TimeProvider clock) =>
            (await service.PutAsync(id, document, Actor.From(http.User, clock), http.RequestAborted)).ToOk());

        var developers = admin.MapGroup("/developers").WithTags("Developers");
        developers.MapGet("/", (Guid? teamId, TeamService service, CancellationToken ct) => service.ListDevelopersAsync(teamId, ct));
        developers.MapGet("/{id:guid}", async Task<Results<Ok<DeveloperView>, ValidationProblem, NotFound<ProblemDetails>>> (Guid id, TeamService service, CancellationToken ct) =>
            (await service.GetDeveloperAsync(id, ct)).ToOk());
        developers.MapPost("/", async Task<Results<Created<DeveloperView>, ValidationProblem, NotFound<ProblemDetails>>> (CreateDeveloperRequest request, TeamService service, HttpContext http, TimeProvider clock) =>
            (await service.CreateDeveloperAsync(request, Actor.From(http.User, clock), http.RequestAborted)).ToCreated(d => $"/api/admin/developers/{d.Id}"));
    }
}
