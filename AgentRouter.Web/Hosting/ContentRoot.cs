namespace AgentRouter.Web.Hosting;

/// <summary>Where the application finds its <c>appsettings.json</c>, <c>wwwroot</c> and default data folder.</summary>
public static class ContentRoot
{
    /// <summary>The host's options: the application's own folder is the content root unless one is given explicitly
    /// (<c>--contentRoot</c>, <c>ASPNETCORE_CONTENTROOT</c> or <c>DOTNET_CONTENTROOT</c>). The host's own default is the
    /// working directory, so a published build started from any other folder would miss its settings (logging falls
    /// back to Information) and serve its static assets as empty answers.</summary>
    public static WebApplicationOptions Options(string[] args) => new()
    {
        Args = args,
        ContentRootPath = IsExplicit(args) ? null : AppContext.BaseDirectory,
    };

    internal static bool IsExplicit(string[] args) =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_CONTENTROOT")) ||
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOTNET_CONTENTROOT")) ||
        args.Any(arg => arg.TrimStart('-', '/').StartsWith("contentRoot", StringComparison.OrdinalIgnoreCase));
}
