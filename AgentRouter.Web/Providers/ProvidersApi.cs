using AgentRouter.Web.Admin;
using AgentRouter.Web.Audit;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace AgentRouter.Web.Providers;

internal static class ProvidersApi
{
    public static void MapProvidersApi(this RouteGroupBuilder admin)
    {
        var providers = admin.MapGroup("/providers").WithTags("Providers");
        providers.MapGet("/", (ProviderService service, CancellationToken ct) => service.ListAsync(ct));
        providers.MapGet("/{id:guid}", async Task<Results<Ok<ProviderView>, ValidationProblem, NotFound<ProblemDetails>>> (Guid id, ProviderService service, CancellationToken ct) =>
            (await service.GetAsync(id, ct)).ToOk());
        providers.MapPost("/", async Task<Results<Created<ProviderView>, ValidationProblem, NotFound<ProblemDetails>>> (CreateProviderRequest request, ProviderService service, HttpContext http, TimeProvider clock) =>
            (await service.CreateAsync(request, Actor.From(http.User, clock), http.RequestAborted)).ToCreated(p => $"/api/admin/providers/{p.Id}"));
        providers.MapPut("/{id:guid}", async Task<Results<Ok<ProviderView>, ValidationProblem, NotFound<ProblemDetails>>> (Guid id, UpdateProviderRequest request, ProviderService service, HttpContext http, TimeProvider clock) =>
            (await service.UpdateAsync(id, request, Actor.From(http.User, clock), http.RequestAborted)).ToOk());
        // Asks the provider for something cheap with the stored credential (what the console's Test connection does).
        providers.MapPost("/{id:guid}/test", async Task<Ok<ConnectionResult>> (Guid id, ProviderService service, CancellationToken ct) =>
        {
            var (ok, message) = await service.TestConnectionAsync(id, ct);
            return TypedResults.Ok(new ConnectionResult(ok, message));
        });
        providers.MapPut("/{id:guid}/credential", async Task<Results<Ok<ProviderView>, ValidationProblem, NotFound<ProblemDetails>>> (Guid id, RotateCredentialRequest request, ProviderService service, HttpContext http, TimeProvider clock) =>
            (await service.RotateCredentialAsync(id, request, Actor.From(http.User, clock), http.RequestAborted)).ToOk());

        var catalog = admin.MapGroup("/catalog").WithTags("Model catalog");
        catalog.MapGet("/", (CatalogService service, CancellationToken ct) => service.ListAsync(ct));
        catalog.MapPut("/{model}", async Task<Results<Ok<CatalogView>, ValidationProblem, NotFound<ProblemDetails>>> (string model, PutCatalogRequest request, CatalogService service, HttpContext http, TimeProvider clock) =>
            (await service.PutAsync(model, request, Actor.From(http.User, clock), http.RequestAborted)).ToOk());
        catalog.MapDelete("/{model}", async Task<Results<Ok<CatalogView>, ValidationProblem, NotFound<ProblemDetails>>> (string model, CatalogService service, HttpContext http, TimeProvider clock) =>
            (await service.DeleteAsync(model, Actor.From(http.User, clock), http.RequestAborted)).ToOk());
    }
}
