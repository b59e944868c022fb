using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace AgentRouter.Web.Tests.Hosting;

[CollectionDefinition(Name)]
public sealed class PublishedAppCollection : ICollectionFixture<PublishedBuild>
{
    public const string Name = "published app";
}

/// <summary>The router published once per test run (<c>dotnet publish --no-build</c> of the Release build the tests
/// were built with; a full publish if that is not available), in a temporary folder removed at the end.</summary>
public sealed class PublishedBuild : IAsyncLifetime
{
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "agentrouter-published", Guid.NewGuid().ToString("N"));

    public string Dll => Path.Combine(Folder, "AgentRouter.Web.dll");

    public async ValueTask InitializeAsync()
    {
        var project = Path.Combine(RepositoryRoot(), "AgentRouter.Web", "AgentRouter.Web.csproj");
        var (code, output) = await RunAsync("dotnet", ["publish", project, "-c", "Release", "-o", Folder, "--no-build", "--nologo"]);
        if (code != 0 || !File.Exists(Dll))
            (code, output) = await RunAsync("dotnet", ["publish", project, "-c", "Release", "-o", Folder, "--nologo"]);
        Assert.True(code == 0 && File.Exists(Dll), "dotnet publish failed:\n" + output);
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
        return ValueTask.CompletedTask;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AgentRouter.sln")))
                return dir.FullName;
        throw new InvalidOperationException("AgentRouter.sln not found above " + AppContext.BaseDirectory);
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        return (process.ExitCode, await stdout + await stderr);
    }
}

/// <summary>The published router running as its own process, started from an unrelated working directory on a
/// loopback port, with everything it writes to stdout and stderr kept.</summary>
public sealed partial class RouterProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private RouterProcess(Process process, string workingDirectory, string dataDirectory)
    {
        _process = process;
        WorkingDirectory = workingDirectory;
        DataDirectory = dataDirectory;
    }

    public string WorkingDirectory { get; }
    public string DataDirectory { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    public static async Task<RouterProcess> StartAsync(PublishedBuild build, IDictionary<string, string> settings)
    {
        var root = Path.Combine(Path.GetTempPath(), "agentrouter-process", Guid.NewGuid().ToString("N"));
        var workingDirectory = Directory.CreateDirectory(Path.Combine(root, "elsewhere")).FullName;
        var dataDirectory = Path.Combine(root, "data");
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(build.Dll);
        // Nothing from the test process's environment may stand in for the settings the app must find itself.
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)
                     || k.StartsWith("DOTNET_ENVIRONMENT", StringComparison.OrdinalIgnoreCase) || k.StartsWith("DOTNET_CONTENTROOT", StringComparison.OrdinalIgnoreCase)
                     || k.StartsWith("Logging__", StringComparison.OrdinalIgnoreCase) || k.StartsWith("AGENTROUTER_", StringComparison.OrdinalIgnoreCase)).ToList())
            info.Environment.Remove(name);
        info.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        info.Environment["Data__Directory"] = dataDirectory;
        foreach (var (name, value) in settings)
            info.Environment[name] = value;

        var process = Process.Start(info)!;
        var router = new RouterProcess(process, workingDirectory, dataDirectory);
        process.OutputDataReceived += (_, e) => router.Append(e.Data);
        process.ErrorDataReceived += (_, e) => router.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _ = process.WaitForExitAsync().ContinueWith(_ => router._listening.TrySetException(new InvalidOperationException("The router exited:\n" + router.Log)));
        router.BaseAddress = await router._listening.Task.WaitAsync(TimeSpan.FromSeconds(90));
        return router;
    }

    public Uri BaseAddress { get; private set; } = null!;

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_log)
            _log.AppendLine(line);
        if (ListeningOn().Match(line) is { Success: true } match)
            _listening.TrySetResult(new Uri(match.Groups[1].Value));
    }

    /// <summary>SIGTERM, as a service manager or a container runtime sends it.</summary>
    public void Terminate() => Assert.Equal(0, kill(_process.Id, 15));

    /// <summary>SIGKILL: no chance to drain anything.</summary>
    public void Kill() => _process.Kill();

    public Task WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync().WaitAsync(timeout);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try
        {
            Directory.Delete(Path.GetDirectoryName(WorkingDirectory)!, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningOn();
}
