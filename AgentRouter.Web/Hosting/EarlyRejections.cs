using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using AgentRouter.Web.Gateway;

namespace AgentRouter.Web.Hosting;

/// <summary>Requests the server refuses while the application reads them (a body over Kestrel's size limit, a malformed
/// chunked body, a body sent too slowly, a JSON body the admin API cannot bind) get a JSON answer with a request id,
/// in the caller's dialect on gateway routes, instead of an empty response or a 500. Requests Kestrel refuses before
/// the application sees them (header fields too large, a malformed request line) are answered by Kestrel alone with
/// an empty body: the server offers no hook there.</summary>
internal sealed class EarlyRejections : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException rejected || context.Response.HasStarted)
            return false;
        await WriteAsync(context, rejected.StatusCode, rejected.Message);
        return true;
    }

    /// <summary>After the pipeline: a request whose body Kestrel refused while an endpoint read it (minimal APIs answer
    /// that with a bare status) gets the same JSON answer.</summary>
    public static async Task AfterAsync(HttpContext context, RequestDelegate next)
    {
        await next(context);
        if (context.Response.HasStarted || context.Response.StatusCode < 400)
            return;
        if (context.Features.Get<IBadRequestExceptionFeature>()?.Error is BadHttpRequestException rejected)
            await WriteAsync(context, rejected.StatusCode, rejected.Message);
        else if (context.Response.StatusCode == StatusCodes.Status413PayloadTooLarge &&
                 context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize is { } limit && context.Request.ContentLength > limit)
            await WriteAsync(context, StatusCodes.Status413PayloadTooLarge, $"Request body too large. The max request body size is {limit} bytes.");
    }

    private static async Task WriteAsync(HttpContext context, int status, string reason)
    {
        var requestId = context.Response.Headers[UpstreamTransformer.RequestIdHeader].ToString();
        if (string.IsNullOrEmpty(requestId))
        {
            requestId = context.TraceIdentifier;
            context.Response.Headers[UpstreamTransformer.RequestIdHeader] = requestId;
        }
        context.Response.Headers.Connection = "close";
        var path = context.Request.Path;
        var message = $"The request was refused before it could be read: {reason}";
        if (path.StartsWithSegments("/mcp"))
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(JsonSerializer.Serialize(new
            {
                jsonrpc = "2.0",
                id = (object?)null,
                error = new { code = -32600, message, data = new { requestId } },
            }));
            return;
        }
        if (DialectOf(context.Request) is { } dialect)
        {
            context.TraceIdentifier = requestId;
            var kind = status == StatusCodes.Status413PayloadTooLarge ? ErrorKind.TooLarge : ErrorKind.InvalidRequest;
            await new GatewayError(status, kind, message).WriteAsync(context, dialect);
            return;
        }
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/problem+json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            type = "about:blank",
            title = "Bad request",
            status,
            detail = message,
            requestId,
        }));
    }

    internal static ApiDialect? DialectOf(HttpRequest request)
    {
        var path = request.Path;
        if (path.StartsWithSegments("/v1beta"))
            return ApiDialect.Gemini;
        if (path.StartsWithSegments("/v1/chat") || path.StartsWithSegments("/v1/responses"))
            return ApiDialect.OpenAI;
        if (path.StartsWithSegments("/v1/messages"))
            return ApiDialect.Anthropic;
        return path.StartsWithSegments("/v1") ? ModelListing.DialectOfV1(request) : null;
    }
}
