using AgentRouter.Web.Admin;
using AgentRouter.Web.Audit;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace AgentRouter.Web.Console.Account;

/// <summary>Console users for automation: list, create, change role, disable or enable, reset a password. Every change is audited.</summary>
internal static class UsersApi
{
    public static void MapConsoleUsersApi(this RouteGroupBuilder admin)
    {
        var users = admin.MapGroup("/users").WithTags("Console users");
        users.MapGet("/", (ConsoleUsers service, CancellationToken ct) => service.ListAsync(ct));
        users.MapPost("/", async Task<Results<Created<ConsoleUserView>, ValidationProblem, NotFound<ProblemDetails>>> (CreateConsoleUserRequest request, ConsoleUsers service, HttpContext http, TimeProvider clock) =>
            (await service.CreateAsync(request, Actor.From(http.User, clock), http.RequestAborted)).ToCreated(u => $"/api/admin/users/{u.Id}"));
        users.MapPut("/{id}/role", async Task<Results<Ok<ConsoleUserView>, ValidationProblem, NotFound<ProblemDetails>>> (string id, SetConsoleUserRoleRequest request, ConsoleUsers service, HttpContext http, TimeProvider clock) =>
            (await service.SetRoleAsync(id, request, Actor.From(http.User, clock), http.RequestAborted)).ToOk());
        users.MapPost("/{id}/disable", async Task<Results<Ok<ConsoleUserView>, ValidationProblem, NotFound<ProblemDetails>>> (string id, ConsoleUsers service, HttpContext http, TimeProvider clock) =>
            (await service.SetEnabledAsync(id, false, Actor.From(http.User, clock), http.RequestAborted)).ToOk());
        users.MapPost("/{id}/enable", async Task<Results<Ok<ConsoleUserView>, ValidationProblem, NotFound<ProblemDetails>>> (string id, ConsoleUsers service, HttpContext http, TimeProvider clock) =>
            (await service.SetEnabledAsync(id, true, Actor.From(http.User, clock), http.RequestAborted)).ToOk());
        users.MapPut("/{id}/password", async Task<Results<Ok<ConsoleUserView>, ValidationProblem, NotFound<ProblemDetails>>> (string id, ResetConsoleUserPasswordRequest request, ConsoleUsers service, HttpContext http, TimeProvider clock) =>
            (await service.ResetPasswordAsync(id, request, Actor.From(http.User, clock), http.RequestAborted)).ToOk());
    }
}
