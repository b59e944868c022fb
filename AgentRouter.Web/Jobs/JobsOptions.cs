using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Jobs;

/// <summary>The Hangfire jobs: where they are stored and whether this process runs them. Bound from <c>Jobs</c>.</summary>
public sealed class JobsOptions
{
    public const string Section = "Jobs";

    /// <summary><c>SQLite</c> (a <c>hangfire.db</c> file in the data folder), <c>PostgreSQL</c> (the store's database,
    /// schema <c>hangfire</c>) or <c>InMemory</c> (tests). Unset: the same engine as the store.</summary>
    public string? Storage { get; set; }

    /// <summary>Whether this process runs a Hangfire server. Off in tests, which call each job's <c>RunAsync</c> directly.</summary>
    public bool Server { get; set; } = true;

    /// <summary>Jobs here are short and store-bound; a couple of workers keep them from competing with the gateway.</summary>
    public int WorkerCount { get; set; } = 2;

    /// <summary>Cron schedule (UTC) of the invoice job: nightly by default.</summary>
    public string InvoiceSchedule { get; set; } = "0 3 * * *";
}

internal sealed class ValidateJobsOptions : IValidateOptions<JobsOptions>
{
    public ValidateOptionsResult Validate(string? name, JobsOptions options)
    {
        List<string> problems = [];
        if (options.Storage is not (null or "SQLite" or "PostgreSQL" or "InMemory"))
            problems.Add("Jobs:Storage must be SQLite, PostgreSQL or InMemory.");
        if (options.WorkerCount is < 1 or > 32)
            problems.Add("Jobs:WorkerCount must be between 1 and 32.");
        // Hangfire parses the expression when the job is registered at start, and fails the start if it is not cron.
        if (string.IsNullOrWhiteSpace(options.InvoiceSchedule))
            problems.Add("Jobs:InvoiceSchedule must be a cron expression.");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
