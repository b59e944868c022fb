using AgentRouter.Web.Admin;
using AgentRouter.Web.Audit;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace AgentRouter.Web.Alerts;

/// <summary>A team's alert channels and deliveries under <c>/api/admin/teams/{teamId}</c>.</summary>
internal static class AlertsApi
{
    public static void MapAlertsApi(this RouteGroupBuilder admin)
    {
        var team = admin.MapGroup("/teams/{teamId:guid}").WithTags("Alerts");
        team.MapGet("/alert-channels", ListAsync);
        team.MapPost("/alert-channels", CreateAsync);
        team.MapPut("/alert-channels/{id:guid}", UpdateAsync);
        team.MapDelete("/alert-channels/{id:guid}", DeleteAsync);
        team.MapPost("/alert-channels/{id:guid}/rotate-secret", RotateSecretAsync);
        team.MapPost("/alert-channels/{id:guid}/test", SendTestAsync);
        team.MapGet("/alert-deliveries", DeliveriesAsync);
    }

    private static async Task<Results<Ok<List<AlertChannelView>>, ValidationProblem, NotFound<ProblemDetails>>> ListAsync(
        Guid teamId, AlertChannelService service, CancellationToken ct) => (await service.ListAsync(teamId, ct)).ToOk();

    private static async Task<Results<Created<AlertChannelCreated>, ValidationProblem, NotFound<ProblemDetails>>> CreateAsync(
        Guid teamId, CreateAlertChannelRequest request, AlertChannelService service, HttpContext http, TimeProvider clock) =>
        (await service.CreateAsync(teamId, request, Actor.From(http.User, clock), http.RequestAborted))
            .ToCreated(c => $"/api/admin/teams/{teamId}/alert-channels/{c.Channel.Id}");

    private static async Task<Results<Ok<AlertChannelView>, ValidationProblem, NotFound<ProblemDetails>>> UpdateAsync(
        Guid teamId, Guid id, UpdateAlertChannelRequest request, AlertChannelService service, HttpContext http, TimeProvider clock) =>
        (await service.UpdateAsync(teamId, id, request, Actor.From(http.User, clock), http.RequestAborted)).ToOk();

    private static async Task<Results<Ok<AlertChannelView>, ValidationProblem, NotFound<ProblemDetails>>> DeleteAsync(
        Guid teamId, Guid id, AlertChannelService service, HttpContext http, TimeProvider clock) =>
        (await service.DeleteAsync(teamId, id, Actor.From(http.User, clock), http.RequestAborted)).ToOk();

    private static async Task<Results<Ok<AlertSecretRotated>, ValidationProblem, NotFound<ProblemDetails>>> RotateSecretAsync(
        Guid teamId, Guid id, AlertChannelService service, HttpContext http, TimeProvider clock) =>
        (await service.RotateSecretAsync(teamId, id, Actor.From(http.User, clock), http.RequestAborted)).ToOk();

    private static async Task<Results<Ok<AlertDeliveryView>, ValidationProblem, NotFound<ProblemDetails>>> SendTestAsync(
        Guid teamId, Guid id, AlertChannelService service, HttpContext http, TimeProvider clock) =>
        (await service.SendTestAsync(teamId, id, Actor.From(http.User, clock), http.RequestAborted)).ToOk();

    private static async Task<Results<Ok<List<AlertDeliveryView>>, ValidationProblem, NotFound<ProblemDetails>>> DeliveriesAsync(
        Guid teamId, int? limit, AlertChannelService service, CancellationToken ct) => (await service.DeliveriesAsync(teamId, limit ?? 50, ct)).ToOk();
}
