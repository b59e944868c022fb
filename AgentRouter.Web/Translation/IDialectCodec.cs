using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentRouter.Web.Translation;

/// <summary>One client or upstream dialect's side of the hub: its requests, answers and streams to and from the
/// canonical model (<see cref="ChatRequest"/>, <see cref="ChatResponse"/>, <see cref="StreamEvent"/>).</summary>
public interface IDialectCodec
{
    /// <summary>How messages name the dialect, e.g. "the Anthropic Messages API".</summary>
    string Name { get; }

    /// <summary>Reads a request; throws <see cref="NotTranslatableException"/> for what cannot be carried to <paramref name="target"/>.</summary>
    ChatRequest DecodeRequest(JsonObject body, string target);

    /// <summary>Writes a request for the pinned <paramref name="model"/>; throws <see cref="NotTranslatableException"/>
    /// for a feature this dialect cannot express.</summary>
    JsonObject EncodeRequest(ChatRequest request, string model);

    ChatResponse DecodeResponse(JsonElement body);

    JsonObject EncodeResponse(ChatResponse response, ChatRequest request, string model);

    IStreamDecoder NewStreamDecoder();

    IStreamEncoder NewStreamEncoder(ChatRequest request, string model);

    /// <summary>The body of this dialect's token-counting request for the request's input.</summary>
    JsonObject EncodeCountRequest(ChatRequest request, string model);

    long DecodeCount(JsonElement body);

    JsonObject EncodeCount(long inputTokens);
}

/// <summary>Reads one upstream stream's events (each SSE data payload, in order) into canonical events.</summary>
public interface IStreamDecoder
{
    void Decode(JsonElement data, List<StreamEvent> events);

    /// <summary>The upstream stream ended: emit what is still owed (closing blocks, the finish).</summary>
    void End(List<StreamEvent> events);
}

/// <summary>Writes canonical events as one client dialect's stream, event by event.</summary>
public interface IStreamEncoder
{
    string ContentType { get; }

    void Encode(StreamEvent streamEvent, StringBuilder output);

    /// <summary>The stream ends (after its finish, or cut short): anything the format needs last.</summary>
    void End(StringBuilder output, bool finished);
}
