using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace AgentRouter.Web.Tests.Hosting;

/// <summary>The published router, started as its own process from an unrelated working directory: it finds its own
/// settings and assets, never logs a key at any level, keeps its data folder private, and stops on SIGTERM within its
/// shutdown timeout, recording the streams it had to end.</summary>
[Collection(PublishedAppCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PublishedAppTests(PublishedBuild build)
{
    [Fact]
    public async Task StartedFromAnotherFolder_ServesItsAssets_ReadsItsSettings_KeepsItsDataPrivate_AndNeverLogsAKey()
    {
        await using var router = await RouterProcess.StartAsync(build, new Dictionary<string, string>
        {
            // Everything ASP.NET Core can log (hosting diagnostics with full URLs, Kestrel, routing) and all of ours:
            // the redaction must hold at any level. The rest of the levels come from the app's own appsettings.json.
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Trace",
            ["Logging__LogLevel__AgentRouter"] = "Trace",
            ["Logging__LogLevel__Yarp"] = "Trace",
            ["Gateway__SandboxEventDelay"] = "00:00:00",
        });
        using var http = new HttpClient { BaseAddress = router.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

        // Static web assets are served from the app's folder, with their real content.
        await AssertServesFileAsync(http, "/_framework/blazor.web.js", Path.Combine(build.Folder, "wwwroot", "_framework", "blazor.web.js"));
        await AssertServesFileAsync(http, "/app.css", Path.Combine(build.Folder, "wwwroot", "app.css"));
        var mud = await http.GetAsync("/_content/MudBlazor/MudBlazor.min.css");
        Assert.Equal(HttpStatusCode.OK, mud.StatusCode);
        Assert.True((await mud.Content.ReadAsByteArrayAsync()).Length > 10_000);
        // Pages reference blazor.web.js by its fingerprinted name: served compressed and cached for good, so a page load
        // does not first revalidate the framework's script.
        var script = System.Text.RegularExpressions.Regex.Match(await http.GetStringAsync("/account/login"), "src=\"(_framework/blazor\\.web\\.[a-z0-9]+\\.js)\"").Groups[1].Value;
        Assert.NotEmpty(script);
        using (var request = new HttpRequestMessage(HttpMethod.Get, "/" + script) { Headers = { AcceptEncoding = { new("br") } } })
        using (var response = await http.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("br", Assert.Single(response.Content.Headers.ContentEncoding));
            Assert.Contains("immutable", response.Headers.CacheControl?.ToString());
        }

        // First start: the admin token is written to the data folder (never to the log).
        var adminToken = (await File.ReadAllTextAsync(Path.Combine(router.DataDirectory, "admin-token"))).Trim();
        var admin = new AdminClient(new HttpClient { BaseAddress = router.BaseAddress, DefaultRequestHeaders = { Authorization = new("Bearer", adminToken) } });
        var key = await SandboxKeyAsync(admin);
        var unknownKey = key[..key.LastIndexOf('_')] + "_" + new string('Q', 43);

        // The key in every place a client may put it, in several letter cases.
        await AssertStatusAsync(http, HttpStatusCode.OK, Post($"/v1beta/models/sandbox-gemini:generateContent?key={key}", Gemini));
        await AssertStatusAsync(http, HttpStatusCode.OK, Post($"/v1beta/models/sandbox-gemini:streamGenerateContent?alt=sse&KEY={key}", Gemini));
        await AssertStatusAsync(http, HttpStatusCode.OK, Post($"/v1/messages?Key={key}&beta=true", Anthropic, ("x-api-key", key), ("anthropic-version", "2023-06-01")));
        await AssertStatusAsync(http, HttpStatusCode.OK, Post("/v1/chat/completions", OpenAI, ("authorization", "Bearer " + key),
            ("api-key", key), ("anthropic-api-key", key), ("openai-organization", key), ("x-goog-api-key", key), ("x-agent-router-key", key)));
        await AssertStatusAsync(http, HttpStatusCode.Unauthorized, Post($"/v1beta/models/sandbox-gemini:generateContent?key={unknownKey}", Gemini));
        await AssertStatusAsync(http, HttpStatusCode.Unauthorized, Post("/v1/messages", Anthropic, ("x-api-key", unknownKey)));
        using (var listing = new HttpRequestMessage(HttpMethod.Get, $"/v1beta/models?key={key}"))
            await AssertStatusAsync(http, HttpStatusCode.OK, listing);
        using (var wrongMethod = new HttpRequestMessage(HttpMethod.Get, $"/v1/messages?api_key={key}"))
            await AssertStatusAsync(http, HttpStatusCode.MethodNotAllowed, wrongMethod);
        await AssertStatusAsync(http, HttpStatusCode.NotFound, Post($"/mcp/nothing?key={key}", """{"jsonrpc":"2.0","id":1,"method":"ping"}""", ("authorization", "Bearer " + key)));

        // Requests Kestrel refuses before the application sees them: a status, an empty body (no hook), no key logged.
        var tooLarge = await RawAsync(router.BaseAddress, $"GET /v1/messages?key={key} HTTP/1.1\r\nHost: x\r\nx-api-key: {key}\r\nX-Big: {new string('a', 40_000)}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 431", tooLarge);
        var malformed = await RawAsync(router.BaseAddress, $"GET /v1/messages?key={key} HTTP/1.1 junk\r\nHost: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400", malformed);
        // Refused while the application reads: JSON in the caller's dialect, with a request id.
        var badChunk = await RawAsync(router.BaseAddress,
            $"POST /v1/messages?key={key} HTTP/1.1\r\nHost: x\r\nx-api-key: {key}\r\nanthropic-version: 2023-06-01\r\ncontent-type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n{{}}\r\n0\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400", badChunk);
        var anthropicError = JsonDocument.Parse(badChunk[badChunk.IndexOf('{')..(badChunk.LastIndexOf('}') + 1)]).RootElement;
        Assert.Equal("invalid_request_error", anthropicError.GetProperty("error").GetProperty("type").GetString());
        Assert.StartsWith("req_", anthropicError.GetProperty("request_id").GetString());
        var overKestrelLimit = await RawAsync(router.BaseAddress,
            $"POST /api/admin/teams HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {adminToken}\r\ncontent-type: application/json\r\nContent-Length: 40000000\r\n\r\n{{\"name\":");
        Assert.StartsWith("HTTP/1.1 413", overKestrelLimit);
        Assert.Contains("\"requestId\":", overKestrelLimit);
        Assert.Contains("x-agentrouter-request-id:", overKestrelLimit, StringComparison.OrdinalIgnoreCase);

        AssertDataFolderIsPrivate(router.DataDirectory);

        router.Terminate();
        await router.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, router.ExitCode);

        var log = router.Log;
        Assert.Contains("Content root path: " + build.Folder, log);
        // appsettings.json was read: Hangfire stays at Warning, so its start-up chatter is absent.
        Assert.DoesNotContain("Hangfire.Server.BackgroundServerProcess", log);
        // The overrides took: hosting diagnostics logged every request, with their URLs.
        Assert.Contains("Request starting HTTP/1.1 POST", log);
        Assert.Contains("/v1beta/models/sandbox-gemini:generateContent?[redacted]", log);
        Assert.Contains("SECURITY: the Data Protection key ring", log);
        foreach (var secret in new[] { key, key[^43..], unknownKey, unknownKey[^43..], adminToken })
            Assert.DoesNotContain(secret, log);
        Assert.DoesNotContain("key=ar_", log, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Sigterm_RefusesNewConnections_EndsStreamsAtTheShutdownTimeout_RecordsThem_AndExits()
    {
        const string adminToken = "published-admin-token-0123456789";
        await using var router = await RouterProcess.StartAsync(build, new Dictionary<string, string>
        {
            ["AGENTROUTER_ADMIN_TOKEN"] = adminToken,
            // A sandbox stream of ≈ 15 events three seconds apart: far longer than the shutdown timeout.
            ["Gateway__SandboxEventDelay"] = "00:00:03",
            ["Shutdown__Timeout"] = "00:00:02",
        });
        using var http = new HttpClient { BaseAddress = router.BaseAddress, Timeout = TimeSpan.FromSeconds(120) };
        var admin = new AdminClient(new HttpClient { BaseAddress = router.BaseAddress, DefaultRequestHeaders = { Authorization = new("Bearer", adminToken) } });
        var key = await SandboxKeyAsync(admin);

        using var stream = await http.SendAsync(Post("/v1/messages", """{"model":"sandbox-claude","max_tokens":300,"stream":true,"messages":[{"role":"user","content":"tell me a long story"}]}""",
            ("x-api-key", key), ("anthropic-version", "2023-06-01")), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        var requestId = stream.Headers.GetValues("x-agentrouter-request-id").Single();
        var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
        Assert.Contains("message_start", await reader.ReadLineAsync());

        var stopping = Stopwatch.StartNew();
        router.Terminate();
        // New connections are refused while the stream is still allowed to run.
        var refused = false;
        while (!refused && !router.HasExited && stopping.Elapsed < TimeSpan.FromSeconds(10))
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(router.BaseAddress.Host, router.BaseAddress.Port);
                await Task.Delay(50);
            }
            catch (SocketException)
            {
                refused = true;
            }
        }
        Assert.True(refused, "the router still accepted connections after SIGTERM");
        Assert.False(router.HasExited);

        var rest = new StringBuilder();
        try
        {
            while (await reader.ReadLineAsync() is { } line)
                rest.AppendLine(line);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            // The connection was ended under the stream: that is the point.
        }
        await router.WaitForExitAsync(TimeSpan.FromSeconds(60));
        stopping.Stop();

        Assert.Equal(0, router.ExitCode);
        Assert.DoesNotContain("message_stop", rest.ToString());
        // It waited for the stream (2 s), then exited at once: not after the stream's natural end (≈ 45 s), nor the
        // host's own limit (timeout + 5 s for draining).
        Assert.InRange(stopping.Elapsed, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(7 + 10));
        Assert.Contains("Shutdown timeout (00:00:02) reached: ended 1 requests", router.Log);

        await using var db = new SqliteConnection($"Data Source={Path.Combine(router.DataDirectory, "agentrouter.db")};Mode=ReadOnly;Pooling=false");
        await db.OpenAsync();
        await using var query = db.CreateCommand();
        query.CommandText = "SELECT Error FROM Usage WHERE RequestId = $id";
        query.Parameters.AddWithValue("$id", requestId);
        Assert.Equal("shutdown", await query.ExecuteScalarAsync());
    }

    private const string Gemini = """{"contents":[{"role":"user","parts":[{"text":"hello"}]}]}""";
    private const string Anthropic = """{"model":"sandbox-claude","max_tokens":50,"messages":[{"role":"user","content":"hello"}]}""";
    private const string OpenAI = """{"model":"sandbox-gpt","messages":[{"role":"user","content":"hello"}]}""";

    /// <summary>A team approving the three sandbox models under their own names, a developer, and their key.</summary>
    private static async Task<string> SandboxKeyAsync(AdminClient admin)
    {
        var sandbox = (await admin.ListAsync("/api/admin/providers")).Single(p => p!["kind"]!.GetValue<string>() == "sandbox")!["id"]!.GetValue<Guid>();
        var (teamId, _) = await admin.CreateTeamAsync();
        await admin.PutProfileAsync(teamId, ("sandbox-claude", sandbox, "sandbox-claude"), ("sandbox-gpt", sandbox, "sandbox-gpt"), ("sandbox-gemini", sandbox, "sandbox-gemini"));
        var developerId = await admin.CreateDeveloperAsync(teamId);
        return (await admin.CreateKeyAsync(teamId, developerId)).Key;
    }

    private static HttpRequestMessage Post(string path, string json, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers)
            request.Headers.TryAddWithoutValidation(name, value);
        return request;
    }

    private static async Task AssertStatusAsync(HttpClient http, HttpStatusCode expected, HttpRequestMessage request)
    {
        using (request)
        using (var response = await http.SendAsync(request))
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"{request.Method} {request.RequestUri}: expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        }
    }

    private static async Task AssertServesFileAsync(HttpClient http, string path, string file)
    {
        using var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var served = await response.Content.ReadAsByteArrayAsync();
        Assert.NotEmpty(served);
        Assert.Equal(await File.ReadAllBytesAsync(file), served);
    }

    /// <summary>Sends raw bytes (what HttpClient refuses to send) and returns what comes back until the server closes
    /// or goes quiet.</summary>
    private static async Task<string> RawAsync(Uri server, string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        var stream = client.GetStream();
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        }
        catch (IOException)
        {
            // The server may answer and close before it has read everything.
        }
        var answer = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
                if (read == 0)
                    break;
                answer.Write(buffer, 0, read);
                if (CompleteResponse(answer.ToArray()))
                    break;
            }
        }
        catch (Exception ex) when (ex is IOException or TimeoutException)
        {
        }
        return Encoding.UTF8.GetString(answer.ToArray());
    }

    private static bool CompleteResponse(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
            return false;
        var headers = text[..end].Split("\r\n");
        if (headers.Any(h => h.Equals("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase)))
            return text.EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal);
        var length = headers.FirstOrDefault(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        return length is not null && bytes.Length - Encoding.UTF8.GetByteCount(text[..(end + 4)]) >= int.Parse(length["Content-Length:".Length..].Trim());
    }

    private static void AssertDataFolderIsPrivate(string dataDirectory)
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dataDirectory));
        var files = Directory.GetFiles(dataDirectory, "*", SearchOption.AllDirectories);
        foreach (var expected in new[] { "agentrouter.db", "agentrouter.db-wal", "agentrouter.db-shm", "admin-token", "hangfire.db" })
            Assert.Contains(Path.Combine(dataDirectory, expected), files);
        Assert.Contains(files, f => Path.GetDirectoryName(f) == Path.Combine(dataDirectory, "keys") && f.EndsWith(".xml", StringComparison.Ordinal));
        foreach (var file in files)
            Assert.True(File.GetUnixFileMode(file) == (UnixFileMode.UserRead | UnixFileMode.UserWrite), $"{file} is {File.GetUnixFileMode(file)}");
        foreach (var folder in Directory.GetDirectories(dataDirectory, "*", SearchOption.AllDirectories))
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
    }
}
