using System.Text.Json;

namespace AgentRouter.Web.Gateway;

/// <summary>A refusal by the gateway, written in the caller's own API dialect.</summary>
public sealed record GatewayError(int Status, ErrorKind Kind, string Message)
{
    public static GatewayError InvalidRequest(string message) => new(StatusCodes.Status400BadRequest, ErrorKind.InvalidRequest, message);
    public static GatewayError Unauthenticated(string message) => new(StatusCodes.Status401Unauthorized, ErrorKind.Authentication, message);
    public static GatewayError Forbidden(string message) => new(StatusCodes.Status403Forbidden, ErrorKind.Permission, message);
    public static GatewayError NotFound(string message) => new(StatusCodes.Status404NotFound, ErrorKind.NotFound, message);
    public static GatewayError TooLarge(long limit) => new(StatusCodes.Status413PayloadTooLarge, ErrorKind.TooLarge, $"Request body exceeds the gateway's limit of {limit} bytes.");
    public static GatewayError BudgetExceeded(string message) => new(StatusCodes.Status429TooManyRequests, ErrorKind.RateLimit, message);
    public static GatewayError RateLimited(string message) => new(StatusCodes.Status429TooManyRequests, ErrorKind.RateLimited, message);
    public static GatewayError BadGateway(string message) => new(StatusCodes.Status502BadGateway, ErrorKind.Upstream, message);
    public static GatewayError Unavailable(string message) => new(StatusCodes.Status503ServiceUnavailable, ErrorKind.Unavailable, message);
    public static GatewayError GatewayTimeout(string message) => new(StatusCodes.Status504GatewayTimeout, ErrorKind.Upstream, message);

    /// <summary>Writes the error unless the response has already started (then the connection is all there is).</summary>
    public async Task WriteAsync(HttpContext context, ApiDialect dialect)
    {
        if (context.Response.HasStarted)
            return;
        context.Response.StatusCode = Status;
        context.Response.ContentType = "application/json";
        await WriteBodyAsync(context.Response.Body, dialect, context.TraceIdentifier);
    }

    /// <summary>Writes the error's JSON body in the dialect's shape (for a caller that owns the status and headers).</summary>
    public async Task WriteBodyAsync(Stream body, ApiDialect dialect, string requestId)
    {
        await using var json = new Utf8JsonWriter(body, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        switch (dialect)
        {
            case ApiDialect.Anthropic:
                // {"type":"error","error":{"type":"…","message":"…"},"request_id":"…"}
                json.WriteStartObject();
                json.WriteString("type", "error");
                json.WriteStartObject("error");
                json.WriteString("type", AnthropicType);
                json.WriteString("message", Message);
                json.WriteEndObject();
                json.WriteString("request_id", requestId);
                json.WriteEndObject();
                break;
            case ApiDialect.OpenAI:
                // {"error":{"message":"…","type":"…","param":null,"code":"…"}}
                json.WriteStartObject();
                json.WriteStartObject("error");
                json.WriteString("message", Message);
                json.WriteString("type", OpenAIType);
                json.WriteNull("param");
                json.WriteString("code", OpenAICode);
                json.WriteEndObject();
                json.WriteEndObject();
                break;
            default:
                // {"error":{"code":403,"message":"…","status":"PERMISSION_DENIED"}}
                json.WriteStartObject();
                json.WriteStartObject("error");
                json.WriteNumber("code", Status);
                json.WriteString("message", Message);
                json.WriteString("status", GoogleStatus);
                json.WriteEndObject();
                json.WriteEndObject();
                break;
        }
        await json.FlushAsync();
    }

    private string AnthropicType => Kind switch
    {
        ErrorKind.Authentication => "authentication_error",
        ErrorKind.Permission => "permission_error",
        ErrorKind.NotFound => "not_found_error",
        ErrorKind.TooLarge => "request_too_large",
        ErrorKind.RateLimit or ErrorKind.RateLimited => "rate_limit_error",
        ErrorKind.Upstream or ErrorKind.Unavailable => "api_error",
        _ => "invalid_request_error",
    };

    private string OpenAIType => Kind switch
    {
        ErrorKind.Permission => "permission_error",
        ErrorKind.RateLimit or ErrorKind.RateLimited => "rate_limit_error",
        ErrorKind.Upstream => "api_error",
        ErrorKind.Unavailable => "server_error",
        _ => "invalid_request_error",
    };

    private string OpenAICode => Kind switch
    {
        ErrorKind.Authentication => "invalid_api_key",
        ErrorKind.Permission => "model_not_allowed",
        ErrorKind.NotFound => "not_found",
        ErrorKind.TooLarge => "request_too_large",
        ErrorKind.RateLimit => "budget_exceeded",
        ErrorKind.RateLimited => "rate_limit_exceeded",
        ErrorKind.Upstream => "upstream_error",
        ErrorKind.Unavailable => "service_unavailable",
        _ => "invalid_request",
    };

    private string GoogleStatus => Kind switch
    {
        ErrorKind.Authentication => "UNAUTHENTICATED",
        ErrorKind.Permission => "PERMISSION_DENIED",
        ErrorKind.NotFound => "NOT_FOUND",
        ErrorKind.RateLimit or ErrorKind.RateLimited => "RESOURCE_EXHAUSTED",
        ErrorKind.Upstream => Status == StatusCodes.Status504GatewayTimeout ? "DEADLINE_EXCEEDED" : "UNAVAILABLE",
        ErrorKind.Unavailable => "UNAVAILABLE",
        _ => "INVALID_ARGUMENT",
    };
}

/// <summary>RateLimit is a spent budget; RateLimited a per-minute or concurrency limit.</summary>
public enum ErrorKind { InvalidRequest, Authentication, Permission, NotFound, TooLarge, RateLimit, Upstream, RateLimited, Unavailable }
