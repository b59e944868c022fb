using AgentRouter.Web.Admin;
using AgentRouter.Web.Audit;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace AgentRouter.Web.Keys;

internal static class KeysApi
{
    public static void MapKeysApi(this RouteGroupBuilder admin)
    {
        var keys = admin.MapGroup("/keys").WithTags("Keys");
        keys.MapGet("/", (Guid? teamId, Guid? developerId, KeyService service, CancellationToken ct) => service.ListAsync(teamId, developerId, ct));
        keys.MapPost("/", async Task<Results<Created<IssuedKey>, ValidationProblem, NotFound<ProblemDetails>>> (CreateKeyRequest request, KeyService service, HttpContext http, TimeProvider clock) =>
            (await service.CreateAsync(request, Actor.From(http.User, clock), http.RequestAborted)).ToCreated(k => $"/api/admin/keys/{k.Id}"));
        keys.MapDelete("/{id:guid}", async Task<Results<Ok<KeyView>, ValidationProblem, NotFound<ProblemDetails>>> (Guid id, KeyService service, HttpContext http, TimeProvider clock) =>
            (await service.RevokeAsync(id, Actor.From(http.User, clock), http.RequestAborted)).ToOk());
    }
}
