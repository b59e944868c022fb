using System.Text.Json;

namespace AgentRouter.Web.Providers.Bedrock;

/// <summary>An error Bedrock reported, as the Anthropic error a client of the Anthropic API expects in its place.</summary>
/// <param name="Status">The HTTP status to answer with when the answer has not started.</param>
/// <param name="Type">Anthropic's error type (<c>rate_limit_error</c>, <c>invalid_request_error</c>, …).</param>
public sealed record BedrockError(int Status, string Type, string Message)
{
    /// <summary><c>{"type":"error","error":{"type":"…","message":"…"}}</c>, the body of an answer and the data of an
    /// SSE <c>error</c> event alike.</summary>
    public byte[] ToAnthropicJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("type", "error");
            json.WriteStartObject("error");
            json.WriteString("type", Type);
            json.WriteString("message", Message);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }
}

/// <summary>Bedrock's error names (the <c>x-amzn-ErrorType</c> header of an answer, the <c>:exception-type</c> of a
/// stream's exception event) mapped to Anthropic's errors.</summary>
public static class BedrockErrors
{
    public const string ErrorTypeHeader = "x-amzn-ErrorType";

    /// <summary>Anthropic's status for an overloaded service.</summary>
    private const int StatusOverloaded = 529;

    /// <summary>The error for a Bedrock error name (either letter case of its first letter, with or without the
    /// <c>:namespace</c> suffix the header carries) and message. A refused credential is the organisation's problem,
    /// not the developer's: it answers 502 naming the account and never repeats AWS's text, which names the account's
    /// IAM identity.</summary>
    public static BedrockError Map(string? errorType, int status, string? message, string accountName)
    {
        var name = Normalise(errorType);
        message = string.IsNullOrWhiteSpace(message) ? $"Amazon Bedrock answered {status}{(name.Length > 0 ? " " + name : "")}." : message;
        return name switch
        {
            "throttlingexception" or "servicequotaexceededexception" or "toomanyrequestsexception" => new(429, "rate_limit_error", message),
            "validationexception" => new(400, "invalid_request_error", message),
            "resourcenotfoundexception" => new(404, "not_found_error", message),
            "serviceunavailableexception" or "modelnotreadyexception" => new(StatusOverloaded, "overloaded_error", message),
            "modeltimeoutexception" => new(504, "api_error", message),
            "modelstreamerrorexception" or "modelerrorexception" or "internalserverexception" => new(502, "api_error", "Amazon Bedrock: " + message),
            "accessdeniedexception" or "unrecognizedclientexception" or "invalidsignatureexception" or "expiredtokenexception"
                or "incompletesignatureexception" or "missingauthenticationtokenexception" or "signaturedoesnotmatch" => Refused(accountName, name),
            _ => status switch
            {
                401 or 403 => Refused(accountName, name.Length > 0 ? name : status.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                429 => new(429, "rate_limit_error", message),
                >= 400 and < 500 => new(400, "invalid_request_error", message),
                503 => new(StatusOverloaded, "overloaded_error", message),
                _ => new(502, "api_error", "Amazon Bedrock: " + message),
            },
        };
    }

    /// <summary>The <c>message</c> (also <c>Message</c>) of Bedrock's JSON error payload, or null.</summary>
    public static string? MessageOf(ReadOnlySpan<byte> payload)
    {
        try
        {
            var reader = new Utf8JsonReader(payload);
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                return null;
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.NameEquals("message") || property.NameEquals("Message"))
                    return property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
            }
        }
        catch (JsonException)
        {
        }
        return null;
    }

    private static BedrockError Refused(string accountName, string name) => new(502, "api_error",
        $"Amazon Bedrock refused the credential of provider account '{accountName}' ({name}); an administrator must check it.");

    private static string Normalise(string? errorType)
    {
        if (string.IsNullOrWhiteSpace(errorType))
            return "";
        var colon = errorType.IndexOf(':');
        return (colon < 0 ? errorType : errorType[..colon]).Trim().ToLowerInvariant();
    }
}
