namespace AgentRouter.Web.Providers.VertexAI;

public static class VertexAIExtensions
{
    /// <summary>The Vertex AI adapter and the token cache its accounts share across policy snapshots.</summary>
    public static IServiceCollection AddVertexAI(this IServiceCollection services)
    {
        services.AddSingleton<VertexAccountHealth>();
        services.AddSingleton<VertexTokens>();
        services.AddSingleton<IProviderAdapter, VertexAIAdapter>();
        return services;
    }
}
