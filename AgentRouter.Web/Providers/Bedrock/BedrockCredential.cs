using System.Text.Json;
using System.Text.RegularExpressions;

namespace AgentRouter.Web.Providers.Bedrock;

/// <summary>What authenticates an account to Bedrock: an IAM access key (optionally temporary, with its session
/// token), signed into each request with SigV4, or a Bedrock API key sent as a bearer token.</summary>
public sealed partial record BedrockCredential(string? AccessKeyId, string? SecretAccessKey, string? SessionToken, string? ApiKey)
{
    /// <summary>The shape stored (encrypted) and read back: the same JSON object the admin API takes.</summary>
    public string ToJson() => JsonSerializer.Serialize(ApiKey is not null
        ? new Dictionary<string, string> { ["apiKey"] = ApiKey }
        : SessionToken is null
            ? new Dictionary<string, string> { ["accessKeyId"] = AccessKeyId!, ["secretAccessKey"] = SecretAccessKey! }
            : new Dictionary<string, string> { ["accessKeyId"] = AccessKeyId!, ["secretAccessKey"] = SecretAccessKey!, ["sessionToken"] = SessionToken });

    /// <summary>The part of the credential that may be shown again: the access key id's (or API key's) last four.</summary>
    public string Hint => Data.SecretProtector.Hint(ApiKey ?? AccessKeyId!);

    /// <summary>Reads a credential as the admin API sends it: <c>{accessKeyId, secretAccessKey, sessionToken?}</c> or
    /// <c>{apiKey}</c> (a bare string is taken as an API key). Returns null and says why when it is not one.</summary>
    public static BedrockCredential? Parse(JsonElement credential, out string? problem)
    {
        problem = null;
        if (credential.ValueKind == JsonValueKind.String)
            return FromApiKey(credential.GetString(), out problem);
        if (credential.ValueKind != JsonValueKind.Object)
        {
            problem = "A Bedrock credential is {accessKeyId, secretAccessKey, sessionToken?} or {apiKey}.";
            return null;
        }
        string? accessKeyId = null, secret = null, token = null, apiKey = null;
        foreach (var property in credential.EnumerateObject())
        {
            if (property.Value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
            {
                problem = $"\"{property.Name}\" must be a string.";
                return null;
            }
            // The console sends every field of the form; an empty one was not given.
            var value = string.IsNullOrWhiteSpace(property.Value.GetString()) ? null : property.Value.GetString()!.Trim();
            switch (property.Name)
            {
                case "accessKeyId": accessKeyId = value; break;
                case "secretAccessKey": secret = value; break;
                case "sessionToken": token = value; break;
                case "apiKey": apiKey = value; break;
                default:
                    problem = $"Unknown credential field \"{property.Name}\": a Bedrock credential is {{accessKeyId, secretAccessKey, sessionToken?}} or {{apiKey}}.";
                    return null;
            }
        }
        if (apiKey is not null)
        {
            if (accessKeyId is not null || secret is not null || token is not null)
            {
                problem = "Send either an access key (accessKeyId, secretAccessKey, sessionToken?) or a Bedrock API key (apiKey), not both.";
                return null;
            }
            return FromApiKey(apiKey, out problem);
        }
        if (accessKeyId is null && secret is null && token is null)
        {
            problem = "A Bedrock credential is {accessKeyId, secretAccessKey, sessionToken?} or {apiKey}.";
            return null;
        }
        if (accessKeyId is null || !AccessKeyIdPattern().IsMatch(accessKeyId))
        {
            problem = "accessKeyId must be an AWS access key id (16 to 128 letters and digits, e.g. AKIA…).";
            return null;
        }
        if (string.IsNullOrEmpty(secret))
        {
            problem = "secretAccessKey is required with an access key id.";
            return null;
        }
        return new BedrockCredential(accessKeyId, secret, token, null);
    }

    /// <summary>Reads the stored form back (written by <see cref="ToJson"/>).</summary>
    public static BedrockCredential? FromStored(string stored)
    {
        try
        {
            using var document = JsonDocument.Parse(stored);
            return Parse(document.RootElement, out _);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static BedrockCredential? FromApiKey(string? apiKey, out string? problem)
    {
        problem = string.IsNullOrWhiteSpace(apiKey) ? "apiKey must not be empty." : null;
        return problem is null ? new BedrockCredential(null, null, null, apiKey!.Trim()) : null;
    }

    [GeneratedRegex("^[A-Z0-9]{16,128}$")]
    private static partial Regex AccessKeyIdPattern();

    public override string ToString() => $"BedrockCredential({Hint})";
}
