using System.Text;
using System.Text.Json;
using AgentRouter.Web.Gateway;
using CsCheck;
using Microsoft.AspNetCore.Http;

namespace AgentRouter.Web.Tests.Security;

/// <summary>Differential check of the gateway's one strict reading: for generated hostile bodies (escaped, duplicated,
/// re-cased names; values of every type), the body is either refused, or what the gateway read for the model, the
/// output limit and the stream flag is what a last-duplicate-wins parser, a first-duplicate-wins parser and a
/// case-insensitive parser (as Go's encoding/json matches names) all read.</summary>
public sealed class StrictReadingPropertyTests
{
    private static readonly Gen<string> Name = Pick(
        "model", "m\\u006fdel", "Model", "MODEL", "mod_el",
        "max_tokens", "max\\u005ftokens", "MAX_TOKENS", "maxTokens", "max_completion_tokens",
        "stream", "\\u0073tream", "Stream", "stream_options",
        "messages", "temperature", "metadata", "n");

    private static readonly Gen<string> Value = Pick(
        "\"claude-sonnet-4-5\"", "\"claude-opus-4-1\"", "\"claude\\u002dopus-4-1\"", "\"\"",
        "10", "4096", "-1", "0", "1.5", "1e3", "2147483648", "\"7\"", "null", "true", "false", "\"true\"", "1",
        "[]", "{}", "{\"model\":\"nested\",\"include_usage\":true}", "{\"include_usage\":true,\"include_usage\":false}");

    private static readonly Gen<string> Body =
        Gen.Select(Name, Value).Array[0, 6].Select(members => "{" + string.Join(",", members.Select(m => $"\"{m.Item1}\":{m.Item2}")) + "}");

    [Fact]
    public void HostileBody_IsRefusedOrReadAsEveryParserReadsIt()
    {
        Body.Sample(json =>
        {
            using var body = Read(json);
            if (body.Inspect(RequestSchema.OpenAIChat) is not null)
                return;
            using var document = JsonDocument.Parse(json);
            var members = document.RootElement.EnumerateObject().ToList();
            JsonElement? Find(Func<string, bool> match, bool last)
            {
                var found = last ? members.FindLastIndex(m => match(m.Name)) : members.FindIndex(m => match(m.Name));
                return found < 0 ? null : members[found].Value;
            }
            foreach (var reading in new Func<string, JsonElement?>[]
                     {
                         name => Find(n => n == name, last: true),
                         name => Find(n => n == name, last: false),
                         name => Find(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase), last: true),
                     })
            {
                var model = reading("model");
                Assert.Equal(model?.ValueKind == JsonValueKind.String ? model.Value.GetString() : null, body.Model);
                static JsonElement? Given(JsonElement? value) => value?.ValueKind == JsonValueKind.Null ? null : value;
                var limit = Given(reading("max_tokens")) ?? Given(reading("max_completion_tokens"));
                Assert.Equal(limit?.ValueKind == JsonValueKind.Number ? limit.Value.GetInt64() : null, body.OutputLimit);
                var stream = reading("stream");
                Assert.Equal(stream?.ValueKind == JsonValueKind.True, body.Stream);
            }
        }, iter: 20_000);
    }

    [Fact]
    public void Generator_ReachesBothOutcomes()
    {
        // Guards the property above against a generator that only ever produces refusals.
        var accepted = 0;
        var refused = 0;
        Body.Sample(json =>
        {
            using var body = Read(json);
            if (body.Inspect(RequestSchema.OpenAIChat) is null) accepted++; else refused++;
        }, iter: 2_000, threads: 1);
        Assert.True(accepted > 100 && refused > 100, $"accepted {accepted}, refused {refused}");
    }

    private static Gen<string> Pick(params string[] choices) => Gen.Int[0, choices.Length - 1].Select(i => choices[i]);

    private static RequestBody Read(string json)
    {
        var context = new DefaultHttpContext();
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(json));
        var (body, _) = RequestBody.ReadAsync(context.Request, 1 << 20, CancellationToken.None).GetAwaiter().GetResult();
        return body!;
    }
}
