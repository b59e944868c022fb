using System.Text;
using System.Text.Json;
using AgentRouter.Web.Mcp;

namespace AgentRouter.Web.Tests.Mcp;

public sealed class McpMessageStreamTests
{
    private const string ListAnswer = """{"jsonrpc":"2.0","id":3,"result":{"tools":[{"name":"echo","description":"e"},{"name":"delete_repo","inputSchema":{}}],"nextCursor":"c2"}}""";

    private static McpMessageInspector KeepEcho => message => McpJsonRpc.IsAnswerTo(message, "3")
        ? McpJsonRpc.RewriteToolList(message, tool => tool == "echo" ? tool : null)
        : null;

    private static async Task<string> RunAsync(string contentType, McpMessageInspector inspect, params string[] chunks)
    {
        var output = new MemoryStream();
        var stream = new McpMessageStream(output, () => contentType, inspect, 1 << 20);
        foreach (var chunk in chunks)
            await stream.WriteAsync(Encoding.UTF8.GetBytes(chunk));
        await stream.CompleteAsync(CancellationToken.None);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    [Fact]
    public async Task JsonAnswer_IsRewritten_KeepingEveryOtherField()
    {
        var text = await RunAsync("application/json", KeepEcho, ListAnswer[..40], ListAnswer[40..]);

        var result = JsonDocument.Parse(text).RootElement.GetProperty("result");
        Assert.Equal(["echo"], result.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.Equal("e", result.GetProperty("tools")[0].GetProperty("description").GetString());
        Assert.Equal("c2", result.GetProperty("nextCursor").GetString());
    }

    [Fact]
    public async Task EventStream_RewritesOnlyTheAnswer_SplitAcrossWrites_WithCrLfAndMultiLineData()
    {
        const string progress = "event: message\r\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progress\":1}}\r\n\r\n";
        var answer = "id: 9\nevent: message\ndata: " + ListAnswer[..50] + "\ndata: " + ListAnswer[50..] + "\n\n";
        var stream = progress + ": keep-alive\n\n" + answer;

        var text = await RunAsync("text/event-stream", KeepEcho, stream[..17], stream[17..90], stream[90..]);

        Assert.StartsWith(progress + ": keep-alive\n\n", text);
        var rewritten = text[(progress.Length + 14)..];
        Assert.StartsWith("id: 9\nevent: message\ndata: ", rewritten);
        Assert.EndsWith("\n\n", rewritten);
        var data = JsonDocument.Parse(rewritten.Split('\n')[2]["data: ".Length..]).RootElement;
        Assert.Equal(["echo"], data.GetProperty("result").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task EventStream_ReleasesEachEventAsSoonAsItIsComplete()
    {
        var output = new MemoryStream();
        var stream = new McpMessageStream(output, () => "text/event-stream", _ => null, 1 << 20);

        await stream.WriteAsync("data: {\"a\":1}\n\ndata: {\"b\""u8.ToArray());

        Assert.Equal("data: {\"a\":1}\n\n", Encoding.UTF8.GetString(output.ToArray()));
    }

    [Fact]
    public async Task OtherContentTypes_PassUntouched()
    {
        var text = await RunAsync("text/plain", _ => throw new InvalidOperationException("must not inspect"), "hello ", "world");

        Assert.Equal("hello world", text);
    }

    [Fact]
    public async Task AMessageTooLargeToInspect_IsRefused_NotPassedUnfiltered()
    {
        var stream = new McpMessageStream(new MemoryStream(), () => "application/json", KeepEcho, 64);

        await Assert.ThrowsAsync<IOException>(() => stream.WriteAsync(new byte[65]).AsTask());
    }

    [Fact]
    public async Task TheProxysFilter_RewritesAnyToolList_WhateverRequestItAnswers_AndLeavesOtherMessages()
    {
        var server = new McpUpstream(Guid.NewGuid(), "github", "http://127.0.0.1:1/mcp", McpAuthKind.None, null, null);
        var filter = McpProxy.ToolListFilter(new McpServerGrant(server, ["echo"]))!;
        const string replayed = """{"jsonrpc":"2.0","id":"other-41","result":{"tools":[{"name":"delete_repo"},{"name":"echo"}]}}""";
        const string notification = """{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}""";

        var text = await RunAsync("text/event-stream", filter, $"id: 1\ndata: {notification}\n\nid: 2\ndata: {replayed}\n\n");

        Assert.StartsWith($"id: 1\ndata: {notification}\n\n", text);
        Assert.DoesNotContain("delete_repo", text);
        Assert.Contains("\"echo\"", text);
        Assert.Null(McpProxy.ToolListFilter(new McpServerGrant(server, null)));
    }
}
