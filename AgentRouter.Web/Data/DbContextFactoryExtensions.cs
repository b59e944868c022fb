using Microsoft.EntityFrameworkCore;

namespace AgentRouter.Web.Data;

public static class DbContextFactoryExtensions
{
    /// <summary>Runs one read in a short-lived context.</summary>
    public static async Task<T> Query<T>(this IDbContextFactory<AppDbContext> factory, Func<AppDbContext, Task<T>> query, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await query(db);
    }
}
