using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace AgentRouter.Web.Providers.Bedrock;

/// <summary>Turns Bedrock's answer into the one an Anthropic client expects, before any of it is copied to the client:
/// an event stream becomes SSE, a CountTokens answer Anthropic's count, an error Anthropic's error JSON.</summary>
public static class BedrockResponses
{
    public const string EventStreamContentType = "application/vnd.amazon.eventstream";

    /// <summary>The most of an error answer read to find its message.</summary>
    private const int MaxErrorBody = 64 * 1024;

    /// <summary>Rewrites <paramref name="response"/> in place: its status, content and content headers.</summary>
    /// <param name="countTokens">Whether the request was CountTokens (its answer is <c>{"inputTokens":n}</c>).</param>
    public static async Task AdaptAsync(HttpResponseMessage response, bool countTokens, string accountName, ILogger logger, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        if (status is < 200 or >= 300)
        {
            var body = await ReadBoundedAsync(response.Content, cancellationToken);
            var errorType = response.Headers.TryGetValues(BedrockErrors.ErrorTypeHeader, out var values) ? values.FirstOrDefault() : null;
            var error = BedrockErrors.FromAnswer(status, errorType, body, accountName);
            if (error.Status == (int)HttpStatusCode.BadGateway && status is 401 or 403)
                logger.LogWarning("Amazon Bedrock refused the credential of provider account '{Account}' ({Status} {ErrorType}).", accountName, status, errorType);
            Answer(response, error);
            return;
        }
        var contentType = response.Content.Headers.ContentType?.MediaType;
        if (string.Equals(contentType, EventStreamContentType, StringComparison.OrdinalIgnoreCase))
        {
            var stream = new BedrockEventStream(await response.Content.ReadAsStreamAsync(cancellationToken), accountName, logger);
            if (await stream.ReadFirstAsync(cancellationToken) is { } first)
            {
                await stream.DisposeAsync();
                Answer(response, first);
                return;
            }
            var content = new StreamContent(stream);
            content.Headers.ContentType = new MediaTypeHeaderValue("text/event-stream") { CharSet = "utf-8" };
            response.Content = content;
            return;
        }
        if (countTokens)
        {
            var body = await ReadBoundedAsync(response.Content, cancellationToken);
            var count = InputTokens(body);
            if (count is null)
            {
                Answer(response, new BedrockError(502, "api_error", "Amazon Bedrock's CountTokens answer held no inputTokens."));
                return;
            }
            response.Content = Json(JsonSerializer.SerializeToUtf8Bytes(new { input_tokens = count.Value }));
        }
    }

    private static void Answer(HttpResponseMessage response, BedrockError error)
    {
        response.StatusCode = (HttpStatusCode)error.Status;
        response.Content = Json(error.ToAnthropicJson());
        // What Bedrock said about its own error answer no longer describes this one.
        response.Headers.Remove(BedrockErrors.ErrorTypeHeader);
    }

    private static ByteArrayContent Json(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private static long? InputTokens(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("inputTokens", out var n)
                && n.ValueKind == JsonValueKind.Number && n.TryGetInt64(out var value) && value >= 0 ? value : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxErrorBody];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
            length += read;
        return buffer[..length];
    }
}
