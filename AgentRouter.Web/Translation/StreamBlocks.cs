namespace AgentRouter.Web.Translation;

/// <summary>For stream decoders whose upstream has no explicit blocks (OpenAI Chat, Gemini): opens a block when the
/// kind of content changes, closing the one before it, so the canonical stream has one open block at a time.</summary>
internal sealed class StreamBlocks
{
    private int _next;

    public int? OpenIndex { get; private set; }
    public Part? OpenBlock { get; private set; }
    public bool Started { get; private set; }
    public bool SawToolCall { get; private set; }

    public void Start(List<StreamEvent> events, string id, string model)
    {
        if (Started)
            return;
        Started = true;
        events.Add(new StartEvent(id, model));
    }

    public int Open(List<StreamEvent> events, Part block)
    {
        Close(events);
        var index = _next++;
        events.Add(new BlockStartEvent(index, block));
        (OpenIndex, OpenBlock) = (index, block);
        SawToolCall |= block is ToolCallPart;
        return index;
    }

    /// <summary>The open block when it is of kind <typeparamref name="T"/>, else a new one.</summary>
    public int Ensure<T>(List<StreamEvent> events, Func<T> create) where T : Part =>
        OpenBlock is T && OpenIndex is { } index ? index : Open(events, create());

    public void Close(List<StreamEvent> events)
    {
        if (OpenIndex is { } index)
            events.Add(new BlockStopEvent(index));
        (OpenIndex, OpenBlock) = (null, null);
    }
}
