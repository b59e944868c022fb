using System.Text.Json;

namespace AgentRouter.Web.Gateway;

/// <summary><c>GET /v1/models</c> and <c>GET /v1beta/models</c>: the caller's approved models under their public
/// names, in the shape of the SDK asking (only models reachable through that SDK's API are listed).</summary>
public sealed class ModelListing(KeyIdentifier identifier)
{
    private static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;

    public Task ListAsync(HttpContext context, ApiDialect dialect) => AnswerAsync(context, dialect, id: null);

    public Task GetAsync(HttpContext context, ApiDialect dialect, string id) => AnswerAsync(context, dialect, id);

    /// <summary>Claude Code and the Anthropic SDKs send <c>anthropic-version</c> or <c>x-api-key</c>; OpenAI's send neither.</summary>
    public static ApiDialect DialectOfV1(HttpRequest request) =>
        request.Headers.ContainsKey("anthropic-version") || request.Headers.ContainsKey("x-api-key") ? ApiDialect.Anthropic : ApiDialect.OpenAI;

    private async Task AnswerAsync(HttpContext context, ApiDialect dialect, string? id)
    {
        var grant = identifier.Identify(context.Request, out var refusal);
        if (grant is null)
        {
            await refusal!.WriteAsync(context, dialect);
            return;
        }
        var surface = dialect switch
        {
            ApiDialect.Anthropic => ApiSurface.AnthropicMessages,
            ApiDialect.OpenAI => ApiSurface.OpenAIChat,
            _ => ApiSurface.GeminiGenerate,
        };
        var models = grant.Team.Models.Where(m => Translation.Translator.CanServe(surface, m.Account.Adapter)).Select(m => m.PublicName).ToList();
        if (id is not null)
        {
            if (dialect == ApiDialect.Gemini && id.StartsWith("models/", StringComparison.Ordinal))
                id = id["models/".Length..];
            if (!models.Contains(id))
            {
                await GatewayError.NotFound($"Model '{id}' is not approved for your team.").WriteAsync(context, dialect);
                return;
            }
            models = [id];
        }

        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        if (id is not null)
            WriteModel(json, dialect, id);
        else
        {
            json.WriteStartObject();
            switch (dialect)
            {
                case ApiDialect.Anthropic:
                    json.WriteStartArray("data");
                    models.ForEach(m => WriteModel(json, dialect, m));
                    json.WriteEndArray();
                    json.WriteBoolean("has_more", false);
                    WriteStringOrNull(json, "first_id", models.FirstOrDefault());
                    WriteStringOrNull(json, "last_id", models.LastOrDefault());
                    break;
                case ApiDialect.OpenAI:
                    json.WriteString("object", "list");
                    json.WriteStartArray("data");
                    models.ForEach(m => WriteModel(json, dialect, m));
                    json.WriteEndArray();
                    break;
                default:
                    json.WriteStartArray("models");
                    models.ForEach(m => WriteModel(json, dialect, m));
                    json.WriteEndArray();
                    break;
            }
            json.WriteEndObject();
        }
        await json.FlushAsync();
    }

    private static void WriteModel(Utf8JsonWriter json, ApiDialect dialect, string name)
    {
        json.WriteStartObject();
        switch (dialect)
        {
            case ApiDialect.Anthropic:
                json.WriteString("type", "model");
                json.WriteString("id", name);
                json.WriteString("display_name", name);
                json.WriteString("created_at", Epoch.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"));
                break;
            case ApiDialect.OpenAI:
                json.WriteString("id", name);
                json.WriteString("object", "model");
                json.WriteNumber("created", 0);
                json.WriteString("owned_by", "agent-router");
                break;
            default:
                json.WriteString("name", "models/" + name);
                json.WriteString("displayName", name);
                json.WriteStartArray("supportedGenerationMethods");
                json.WriteStringValue("generateContent");
                json.WriteStringValue("streamGenerateContent");
                json.WriteStringValue("countTokens");
                json.WriteEndArray();
                break;
        }
        json.WriteEndObject();
    }

    private static void WriteStringOrNull(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
            json.WriteNull(name);
        else
            json.WriteString(name, value);
    }
}
