using System.Text.Json.Nodes;
using AgentRouter.Web.Gateway;

namespace AgentRouter.Web.Translation;

/// <summary>The hub every dialect translates to and from: one model request, whatever API it came in. A dialect's
/// codec decodes its own requests into this and encodes this into its own requests, so N dialects need N codecs, not
/// N² translators.</summary>
public sealed class ChatRequest
{
    public List<Part> System { get; } = [];
    public List<ChatMessage> Messages { get; } = [];
    public List<ToolDefinition> Tools { get; } = [];
    public ToolChoice? ToolChoice { get; set; }

    /// <summary>False when the caller asked for at most one tool call per turn.</summary>
    public bool? ParallelToolCalls { get; set; }

    public long? MaxOutputTokens { get; set; }
    public double? Temperature { get; set; }
    public double? TopP { get; set; }
    public int? TopK { get; set; }
    public List<string> StopSequences { get; } = [];
    public OutputFormat? Format { get; set; }
    public Reasoning? Reasoning { get; set; }

    /// <summary>An end-user id for the provider's abuse monitoring (Anthropic <c>metadata.user_id</c>, OpenAI <c>user</c>).</summary>
    public string? User { get; set; }

    public bool Stream { get; set; }

    /// <summary>Whether a streaming OpenAI Chat caller asked for the final usage chunk.</summary>
    public bool IncludeUsage { get; set; }

    /// <summary>Where the caller marked prompt-cache breakpoints (Anthropic <c>cache_control</c>), or asked for caching
    /// (OpenAI <c>prompt_cache_key</c>): an Anthropic upstream then caches the system prompt and the conversation so far.</summary>
    public bool Cache { get; set; }
}

public enum ChatRole { User, Assistant }

public sealed record ChatMessage(ChatRole Role, List<Part> Parts);

/// <summary>One piece of a message or of an answer.</summary>
public abstract record Part;

public sealed record TextPart(string Text) : Part;

/// <summary>An image, inline (<see cref="Data"/>, base64) or by <see cref="Url"/>.</summary>
public sealed record ImagePart(string? MediaType, string? Data, string? Url) : Part;

/// <summary>A document (PDF or plain text), inline or by URL.</summary>
public sealed record DocumentPart(string MediaType, string? Data, string? Url, string? Title) : Part;

/// <summary>The model's reasoning. <see cref="Signature"/> is the provider's opaque proof of it (Anthropic's signature,
/// Gemini's thought signature, OpenAI's encrypted reasoning, prefixed <see cref="OpenAIReasoning"/>), which the same
/// provider needs back on the next turn.</summary>
public sealed record ThinkingPart(string Text, string? Signature) : Part
{
    /// <summary>Marks a signature that carries an OpenAI reasoning item (<c>oai-rs:{id}:{encrypted_content}</c>).</summary>
    public const string OpenAIReasoning = "oai-rs:";
}

public sealed record RedactedThinkingPart(string Data) : Part;

/// <summary>A call of a caller-defined tool; <see cref="Arguments"/> is JSON text.</summary>
public sealed record ToolCallPart(string Id, string Name, string Arguments) : Part;

public sealed record ToolResultPart(string CallId, string? Name, List<Part> Content, bool IsError) : Part;

/// <summary>A caller-defined function tool; <see cref="Schema"/> is a JSON Schema of its arguments.</summary>
public sealed record ToolDefinition(string Name, string? Description, JsonNode Schema, bool? Strict);

public enum ToolChoiceKind { Auto, None, Required, Tool }

public sealed record ToolChoice(ToolChoiceKind Kind, string? Name = null);

/// <summary>Structured output: any JSON object, or one matching <see cref="Schema"/>.</summary>
public sealed record OutputFormat(JsonNode? Schema, string? Name, bool? Strict);

/// <summary>Extended thinking / reasoning: off, a token budget, or an effort level (low, medium, high; minimal).</summary>
public sealed record Reasoning(bool Enabled, long? BudgetTokens, string? Effort)
{
    /// <summary>The budget a reasoning effort stands for, where the target takes a budget.</summary>
    public long Budget => BudgetTokens ?? Effort switch { "minimal" => 1024, "low" => 2048, "high" => 24_576, _ => 8192 };

    /// <summary>The effort a budget stands for, where the target takes an effort.</summary>
    public string EffortLevel => Effort ?? BudgetTokens switch { <= 2048 => "low", <= 16_384 => "medium", _ => "high" };
}

public enum StopReason { EndTurn, MaxTokens, StopSequence, ToolUse, Refusal }

/// <summary>A whole (non-streamed) answer.</summary>
public sealed class ChatResponse
{
    public string Id { get; set; } = "";
    public string Model { get; set; } = "";
    public List<Part> Content { get; } = [];
    public StopReason StopReason { get; set; }
    public string? StopSequence { get; set; }
    public TokenUsage Usage;
}

/// <summary>One step of a streamed answer. Blocks open, grow and close one at a time; a delta's text is the
/// block's text, its thinking, or a piece of its tool call's JSON arguments, by the block's kind.</summary>
public abstract record StreamEvent;

public sealed record StartEvent(string Id, string Model) : StreamEvent;

/// <summary>A block opens: <see cref="Block"/> is a <see cref="TextPart"/>, <see cref="ThinkingPart"/>,
/// <see cref="RedactedThinkingPart"/> or <see cref="ToolCallPart"/> with its content still empty.</summary>
public sealed record BlockStartEvent(int Index, Part Block) : StreamEvent;

public sealed record DeltaEvent(int Index, string Text) : StreamEvent;

public sealed record SignatureEvent(int Index, string Signature) : StreamEvent;

public sealed record BlockStopEvent(int Index) : StreamEvent;

public sealed record FinishEvent(StopReason Reason, string? StopSequence, TokenUsage Usage) : StreamEvent;

public sealed record ErrorEvent(string Message) : StreamEvent;

/// <summary>A request feature with no faithful equivalent at the target: answered 400 in the caller's dialect,
/// naming the feature. Never a silent drop.</summary>
public sealed class NotTranslatableException(string message) : Exception(message);
