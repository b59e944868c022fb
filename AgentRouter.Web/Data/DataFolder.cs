using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace AgentRouter.Web.Data;

/// <summary>The data folder holds the store, the admin token, the Data Protection key ring and the jobs' store: on Unix
/// it is created readable by the service account only (folders 0700, files 0600), and an existing folder is tightened
/// to that at start. SQLite creates its <c>-wal</c> and <c>-shm</c> files with the mode of the database file, so
/// creating that file first with 0600 covers them.</summary>
public static class DataFolder
{
    public const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates the folder (0700) or tightens an existing one and every file in it.</summary>
    public static string Prepare(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return directory;
        }
        if (!Directory.Exists(directory))
            Directory.CreateDirectory(directory, PrivateFolder);
        SetMode(directory, PrivateFolder);
        return directory;
    }

    /// <summary>Makes sure a file the store or a library is about to open exists with mode 0600 (tightening an
    /// existing one), so the library never creates it with the process's default mode.</summary>
    public static string PrepareFile(string path)
    {
        if (OperatingSystem.IsWindows())
            return path;
        if (!File.Exists(path))
            new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = PrivateFile }).Dispose();
        Tighten(path);
        return path;
    }

    /// <summary>Writes a new file readable by the service account only, with no moment at which it is not.</summary>
    public static async Task WritePrivateAsync(string path, string text, CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = PrivateFile;
        await using (var stream = new FileStream(path, options))
        await using (var writer = new StreamWriter(stream))
            await writer.WriteAsync(text.AsMemory(), cancellationToken);
        Tighten(path);
    }

    /// <summary>0600 on a file and on the SQLite companions (<c>-wal</c>, <c>-shm</c>, <c>-journal</c>) that exist.</summary>
    internal static void Tighten(string path)
    {
        if (OperatingSystem.IsWindows())
            return;
        foreach (var file in new[] { path, path + "-wal", path + "-shm", path + "-journal" })
            if (File.Exists(file))
                SetMode(file, PrivateFile);
    }

    /// <summary>Tightens a path; one the service account does not own (a volume mounted as root) is left as it is
    /// rather than failing the start.</summary>
    internal static void SetMode(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
            return;
        try
        {
            File.SetUnixFileMode(path, mode);
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>The Data Protection key ring in a folder of the data folder, each key file 0600 (the folder 0700).</summary>
internal sealed class PrivateFileXmlRepository(DirectoryInfo directory, ILoggerFactory loggers) : IXmlRepository
{
    private readonly FileSystemXmlRepository _files = new(CreateFolder(directory), loggers);

    public IReadOnlyCollection<XElement> GetAllElements() => _files.GetAllElements();

    public void StoreElement(XElement element, string friendlyName)
    {
        _files.StoreElement(element, friendlyName);
        TightenAll(directory);
    }

    internal static void TightenAll(DirectoryInfo directory)
    {
        if (OperatingSystem.IsWindows() || !directory.Exists)
            return;
        foreach (var file in directory.EnumerateFiles())
            DataFolder.SetMode(file.FullName, DataFolder.PrivateFile);
    }

    private static DirectoryInfo CreateFolder(DirectoryInfo directory)
    {
        DataFolder.Prepare(directory.FullName);
        TightenAll(directory);
        return directory;
    }
}
