using System.Text.RegularExpressions;
using AgentRouter.Web.Admin;
using AgentRouter.Web.Audit;
using AgentRouter.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace AgentRouter.Web.Teams;

public sealed record TeamView(Guid Id, string Name, string Slug, DateTimeOffset CreatedAt);

public sealed record CreateTeamRequest(string? Name, string? Slug);

public sealed record DeveloperView(Guid Id, string Email, string Name, Guid TeamId, DateTimeOffset CreatedAt);

public sealed record CreateDeveloperRequest(string? Email, string? Name, Guid? TeamId);

/// <summary>Teams and their developers.</summary>
public sealed partial class TeamService(IDbContextFactory<AppDbContext> factory)
{
    public static TeamView View(Team t) => new(t.Id, t.Name, t.Slug, t.CreatedAt);
    public static DeveloperView View(Developer d) => new(d.Id, d.Email, d.Name, d.TeamId, d.CreatedAt);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$")]
    private static partial Regex SlugPattern();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex EmailPattern();

    public static bool IsValidSlug(string? slug) => slug is not null && SlugPattern().IsMatch(slug);

    /// <summary>A slug derived from a team name: "Payments Platform" → "payments-platform".</summary>
    public static string SuggestSlug(string name)
    {
        var slug = Regex.Replace(name.Trim().ToLowerInvariant(), "[^a-z0-9]+", "-").Trim('-');
        return slug.Length > 40 ? slug[..40].TrimEnd('-') : slug;
    }

    public Task<List<TeamView>> ListAsync(CancellationToken cancellationToken) =>
        factory.Query(async db => (await db.Teams.AsNoTracking().OrderBy(t => t.Name).ToListAsync(cancellationToken)).Select(View).ToList(), cancellationToken);

    public async Task<AdminResult<TeamView>> GetAsync(Guid id, CancellationToken cancellationToken) =>
        await factory.Query(db => db.Teams.FindAsync([id], cancellationToken).AsTask(), cancellationToken) is { } team
            ? View(team) : AdminResult<TeamView>.NotFound($"No team {id}.");

    public async Task<AdminResult<TeamView>> CreateAsync(CreateTeamRequest request, Actor actor, CancellationToken cancellationToken)
    {
        var problems = new Problems();
        var name = request.Name?.Trim();
        var slug = request.Slug?.Trim();
        problems.Require(!string.IsNullOrEmpty(name) && name.Length <= 100, "name", "Name is required (at most 100 characters).");
        problems.Require(IsValidSlug(slug), "slug",
            "Slug must be 2–40 lower-case letters, digits or '-', starting and ending with a letter or digit; it becomes part of the team's keys (ar_<slug>_…).");

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (slug is not null && await db.Teams.AnyAsync(t => t.Slug == slug, cancellationToken))
            problems.Add("slug", $"A team with slug '{slug}' already exists.");
        if (problems.Any)
            return AdminResult<TeamView>.Invalid(problems);

        var team = new Team { Name = name!, Slug = slug!, CreatedAt = actor.At };
        team.Profile.UpdatedAt = actor.At;
        db.Teams.Add(team);
        db.Audit(actor, "team.created", "Team", team.Id, null, View(team));
        await db.SaveChangesAsync(cancellationToken);
        return View(team);
    }

    public Task<List<DeveloperView>> ListDevelopersAsync(Guid? teamId, CancellationToken cancellationToken) =>
        factory.Query(async db => (await db.Developers.AsNoTracking().Where(d => teamId == null || d.TeamId == teamId).OrderBy(d => d.Name).ToListAsync(cancellationToken))
            .Select(View).ToList(), cancellationToken);

    public async Task<AdminResult<DeveloperView>> GetDeveloperAsync(Guid id, CancellationToken cancellationToken) =>
        await factory.Query(db => db.Developers.FindAsync([id], cancellationToken).AsTask(), cancellationToken) is { } developer
            ? View(developer) : AdminResult<DeveloperView>.NotFound($"No developer {id}.");

    public async Task<AdminResult<DeveloperView>> CreateDeveloperAsync(CreateDeveloperRequest request, Actor actor, CancellationToken cancellationToken)
    {
        var problems = new Problems();
        var email = request.Email?.Trim().ToLowerInvariant();
        var name = request.Name?.Trim();
        problems.Require(email is not null && email.Length <= 254 && EmailPattern().IsMatch(email), "email", "A valid email address is required.");
        problems.Require(!string.IsNullOrEmpty(name) && name.Length <= 100, "name", "Name is required (at most 100 characters).");

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (request.TeamId is not { } teamId || !await db.Teams.AnyAsync(t => t.Id == teamId, cancellationToken))
            problems.Add("teamId", "An existing team is required.");
        if (email is not null && await db.Developers.AnyAsync(d => d.Email == email, cancellationToken))
            problems.Add("email", $"A developer with email '{email}' already exists.");
        if (problems.Any)
            return AdminResult<DeveloperView>.Invalid(problems);

        var developer = new Developer { Email = email!, Name = name!, TeamId = request.TeamId!.Value, CreatedAt = actor.At };
        db.Developers.Add(developer);
        db.Audit(actor, "developer.created", "Developer", developer.Id, null, View(developer));
        await db.SaveChangesAsync(cancellationToken);
        return View(developer);
    }
}
