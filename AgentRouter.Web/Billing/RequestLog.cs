using System.Globalization;
using System.Reflection;
using AgentRouter.Web.Admin;
using AgentRouter.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Primitives;

namespace AgentRouter.Web.Billing;

/// <summary>What the request log shows: records in [<see cref="From"/>, <see cref="To"/>) (or the last
/// <see cref="Last"/>), narrowed by any of the other fields. Its query-string form is the page's URL, so a view can be
/// shared, and the CSV export's.</summary>
/// <param name="Model">The model the caller asked for (the public name).</param>
/// <param name="Status"><c>ok</c> (below 400), <c>failed</c> (400 and above) or one status code.</param>
/// <param name="Error">An error code exactly as recorded, e.g. <c>client_disconnected</c>.</param>
public sealed record RequestLogFilter(
    DateTimeOffset? From = null, DateTimeOffset? To = null, string? Last = null, Guid? TeamId = null, Guid? DeveloperId = null,
    string? Agent = null, string? Model = null, Guid? ProviderAccountId = null, string? Status = null, string? Error = null)
{
    /// <summary>The relative periods the page offers.</summary>
    public static readonly IReadOnlyDictionary<string, TimeSpan> Periods = new Dictionary<string, TimeSpan>
    {
        ["1h"] = TimeSpan.FromHours(1), ["24h"] = TimeSpan.FromDays(1), ["7d"] = TimeSpan.FromDays(7), ["30d"] = TimeSpan.FromDays(30),
    };

    public static readonly IReadOnlyList<string> Names = ["from", "to", "last", "team", "developer", "agent", "model", "account", "status", "error"];

    /// <summary>The filter as query-string parameters, in a fixed order, empty ones left out.</summary>
    public string ToQueryString()
    {
        var parts = new List<string>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
                parts.Add(name + "=" + Uri.EscapeDataString(value));
        }
        Add("from", From?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        Add("to", To?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        Add("last", Last);
        Add("team", TeamId?.ToString());
        Add("developer", DeveloperId?.ToString());
        Add("agent", Agent);
        Add("model", Model);
        Add("account", ProviderAccountId?.ToString());
        Add("status", Status);
        Add("error", Error);
        return string.Join('&', parts);
    }

    /// <summary>Reads a filter from query-string values; every value that does not parse is reported.</summary>
    public static (RequestLogFilter Filter, Problems Problems) Parse(Func<string, string?> value)
    {
        var problems = new Problems();
        DateTimeOffset? Time(string name)
        {
            var text = value(name);
            if (string.IsNullOrEmpty(text))
                return null;
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
                return at;
            problems.Add(name, $"'{name}' must be a time such as 2026-11-29T10:00:00Z.");
            return null;
        }
        Guid? Id(string name)
        {
            var text = value(name);
            if (string.IsNullOrEmpty(text))
                return null;
            if (Guid.TryParse(text, out var id))
                return id;
            problems.Add(name, $"'{name}' must be an id.");
            return null;
        }
        string? Text(string name) => string.IsNullOrWhiteSpace(value(name)) ? null : value(name)!.Trim();

        var filter = new RequestLogFilter(Time("from"), Time("to"), Text("last"), Id("team"), Id("developer"), Text("agent"), Text("model"),
            Id("account"), Text("status")?.ToLowerInvariant(), Text("error"));
        problems.Require(filter.Last is null || Periods.ContainsKey(filter.Last), "last", $"'last' must be one of {string.Join(", ", Periods.Keys)}.");
        problems.Require(filter.Last is null || (filter.From is null && filter.To is null), "last", "Give either 'last' or 'from'/'to', not both.");
        problems.Require(filter.From is null || filter.To is null || filter.From < filter.To, "to", "'to' must be after 'from'.");
        problems.Require(filter.Status is null or "ok" or "failed" || (int.TryParse(filter.Status, out var code) && code is >= 100 and <= 599),
            "status", "'status' must be ok, failed or a status code.");
        return (filter, problems);
    }

    public static (RequestLogFilter Filter, Problems Problems) Parse(IEnumerable<KeyValuePair<string, StringValues>> query)
    {
        var values = query.ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        return Parse(name => values.GetValueOrDefault(name));
    }

    /// <summary>The absolute window this filter covers at <paramref name="now"/>.</summary>
    public (DateTimeOffset? From, DateTimeOffset? To) Window(DateTimeOffset now) =>
        Last is not null && Periods.TryGetValue(Last, out var period) ? (now - period, null) : (From, To);
}

/// <summary>Where a page of the log starts: records strictly older than this one (newest first, ties by id).</summary>
public readonly record struct RequestLogCursor(DateTimeOffset At, long Id)
{
    public override string ToString() => $"{At.UtcTicks.ToString(CultureInfo.InvariantCulture)}-{Id.ToString(CultureInfo.InvariantCulture)}";

    public static RequestLogCursor? Parse(string? text)
    {
        var dash = text?.IndexOf('-') ?? -1;
        return dash > 0 && long.TryParse(text.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            && long.TryParse(text.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            && ticks <= DateTimeOffset.MaxValue.UtcTicks
            ? new RequestLogCursor(new DateTimeOffset(ticks, TimeSpan.Zero), id)
            : null;
    }
}

/// <summary>One line of the log, with names resolved.</summary>
public sealed record RequestLogRow(
    long Id, DateTimeOffset At, string Team, string Developer, string Agent, string? RequestedModel, string? UpstreamModel, string ProviderAccount,
    int Status, string? Error, long InputTokens, long OutputTokens, long CacheTokens, long TotalTokens, decimal CostUsd, int LatencyMs,
    int? TimeToFirstByteMs, bool Streamed);

/// <summary>A page of the log and the cursor of the next (older) page, if there is one.</summary>
public sealed record RequestLogPage(IReadOnlyList<RequestLogRow> Rows, RequestLogCursor? Next);

/// <summary>One field of a usage record, as the detail drawer and the CSV show it.</summary>
public sealed record RecordField(string Name, string Label, string Value);

/// <summary>The values the log's filters offer.</summary>
public sealed record RequestLogChoices(
    IReadOnlyList<(Guid Id, string Name)> Teams, IReadOnlyList<(Guid Id, string Name, Guid TeamId)> Developers, IReadOnlyList<string> Agents,
    IReadOnlyList<string> Models, IReadOnlyList<(Guid Id, string Name)> ProviderAccounts, IReadOnlyList<string> Errors);

/// <summary>The request log's read model: usage records newest first, read through the indexes on (filter column, At)
/// with keyset pagination, so a page costs the same on the first page and the thousandth, at ten records or ten million.</summary>
public sealed class RequestLogQueries(IDbContextFactory<AppDbContext> factory, TimeProvider clock)
{
    public const int MaxPageSize = 200;

    /// <summary>Rows one CSV export holds at most.</summary>
    public const int MaxExportRows = 100_000;

    public async Task<RequestLogPage> PageAsync(RequestLogFilter filter, RequestLogCursor? before, int pageSize, CancellationToken cancellationToken)
    {
        pageSize = Math.Clamp(pageSize, 1, MaxPageSize);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var records = await Filtered(db, filter, before).Take(pageSize + 1).ToListAsync(cancellationToken);
        var page = records.Take(pageSize).ToList();
        var names = await NamesAsync(db, page, cancellationToken);
        var rows = page.Select(u => new RequestLogRow(u.Id, u.At, names.Team(u.TeamId), names.Developer(u.DeveloperId), u.Agent, u.RequestedModel,
            u.UpstreamModel, names.Account(u.ProviderAccountId), u.Status, u.Error, u.InputTokens, u.OutputTokens, u.CacheWriteTokens + u.CacheReadTokens,
            u.TotalTokens, u.CostUsd, u.LatencyMs, u.TimeToFirstByteMs, u.Streamed)).ToList();
        return new RequestLogPage(rows, records.Count > pageSize ? new RequestLogCursor(page[^1].At, page[^1].Id) : null);
    }

    /// <summary>Every field of one record, with team, developer, key and provider account named; null when the record does
    /// not exist or is not the given developer's.</summary>
    public async Task<IReadOnlyList<RecordField>?> DetailAsync(long id, Guid? onlyDeveloperId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var record = await db.Usage.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, cancellationToken);
        if (record is null || (onlyDeveloperId is { } developer && record.DeveloperId != developer))
            return null;
        var names = await NamesAsync(db, [record], cancellationToken);
        return RecordFields.Describe(record, names);
    }

    /// <summary>Writes the records the filter matches, newest first, as CSV (every field of the record, names resolved),
    /// reading them a page at a time. Returns the rows written.</summary>
    public async Task<int> WriteCsvAsync(RequestLogFilter filter, TextWriter writer, CancellationToken cancellationToken)
    {
        await writer.WriteAsync(new Csv().Row([.. RecordFields.Names]).ToString());
        RequestLogCursor? before = null;
        var written = 0;
        while (written < MaxExportRows)
        {
            await using var db = await factory.CreateDbContextAsync(cancellationToken);
            var batch = await Filtered(db, filter, before).Take(Math.Min(5_000, MaxExportRows - written)).ToListAsync(cancellationToken);
            if (batch.Count == 0)
                break;
            var names = await NamesAsync(db, batch, cancellationToken);
            var csv = new Csv();
            foreach (var record in batch)
                csv.Row([.. RecordFields.Describe(record, names).Select(f => f.Value)]);
            await writer.WriteAsync(csv.ToString());
            written += batch.Count;
            before = new RequestLogCursor(batch[^1].At, batch[^1].Id);
        }
        return written;
    }

    /// <summary>Filter values: names from their tables, agents and models from the monthly roll-ups (small), the error
    /// codes recorded (read through the error index).</summary>
    public async Task<RequestLogChoices> ChoicesAsync(Guid? onlyDeveloperId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var teams = await db.Teams.AsNoTracking().OrderBy(t => t.Name).Select(t => new { t.Id, t.Name }).ToListAsync(cancellationToken);
        var developers = await db.Developers.AsNoTracking().OrderBy(d => d.Name).Select(d => new { d.Id, d.Name, d.TeamId }).ToListAsync(cancellationToken);
        var rollups = db.MonthlyUsageRollups.AsNoTracking().Where(r => onlyDeveloperId == null || r.DeveloperId == onlyDeveloperId);
        var agents = await rollups.Select(r => r.Agent).Distinct().OrderBy(a => a).ToListAsync(cancellationToken);
        var models = await rollups.Where(r => r.RequestedModel != "").Select(r => r.RequestedModel).Distinct().OrderBy(m => m).ToListAsync(cancellationToken);
        var accounts = await db.ProviderAccounts.AsNoTracking().OrderBy(p => p.Name).Select(p => new { p.Id, p.Name }).ToListAsync(cancellationToken);
        // Distinct error codes by walking the (Error, At) index: one seek per code, not a scan of every failed request.
        var errors = new List<string>();
        for (string? last = ""; errors.Count < 100;)
        {
            var after = last;
            last = await db.Usage.AsNoTracking().Where(u => u.Error != null && string.Compare(u.Error, after) > 0).MinAsync(u => u.Error, cancellationToken);
            if (last is null)
                break;
            errors.Add(last);
        }
        return new RequestLogChoices(teams.Select(t => (t.Id, t.Name)).ToList(), developers.Select(d => (d.Id, d.Name, d.TeamId)).ToList(),
            agents, models, accounts.Select(a => (a.Id, a.Name)).ToList(), errors);
    }

    /// <summary>The filtered records in log order. Every filter is an equality or range on a column indexed together
    /// with <c>At</c> (the id, SQLite's rowid, is in every index), so the newest-first order and the cursor are read
    /// straight from one index.</summary>
    private IQueryable<UsageRecord> Filtered(AppDbContext db, RequestLogFilter filter, RequestLogCursor? before)
    {
        var usage = db.Usage.AsNoTracking();
        var (from, to) = filter.Window(clock.GetUtcNow());
        if (from is { } start)
            usage = usage.Where(u => u.At >= start);
        if (to is { } end)
            usage = usage.Where(u => u.At < end);
        if (filter.TeamId is { } team)
            usage = usage.Where(u => u.TeamId == team);
        if (filter.DeveloperId is { } developer)
            usage = usage.Where(u => u.DeveloperId == developer);
        if (filter.Agent is { } agent)
            usage = usage.Where(u => u.Agent == agent);
        if (filter.Model is { } model)
            usage = usage.Where(u => u.RequestedModel == model);
        if (filter.ProviderAccountId is { } account)
            usage = usage.Where(u => u.ProviderAccountId == account);
        if (filter.Error is { } error)
            usage = usage.Where(u => u.Error == error);
        usage = filter.Status switch
        {
            null => usage,
            "ok" => usage.Where(u => u.Status < 400),
            "failed" => usage.Where(u => u.Status >= 400),
            var code => int.TryParse(code, out var status) ? usage.Where(u => u.Status == status) : usage,
        };
        if (before is { } cursor)
            usage = usage.Where(u => u.At <= cursor.At && (u.At < cursor.At || u.Id < cursor.Id));
        return usage.OrderByDescending(u => u.At).ThenByDescending(u => u.Id);
    }

    private static async Task<RecordNames> NamesAsync(AppDbContext db, IReadOnlyCollection<UsageRecord> records, CancellationToken cancellationToken)
    {
        var teamIds = records.Select(r => r.TeamId).Distinct().ToList();
        var developerIds = records.Where(r => r.DeveloperId is not null).Select(r => r.DeveloperId!.Value).Distinct().ToList();
        var accountIds = records.Where(r => r.ProviderAccountId is not null).Select(r => r.ProviderAccountId!.Value).Distinct().ToList();
        var keyIds = records.Select(r => r.ApiKeyId).Distinct().ToList();
        return new RecordNames(
            await db.Teams.AsNoTracking().Where(t => teamIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.Name, cancellationToken),
            await db.Developers.AsNoTracking().Where(d => developerIds.Contains(d.Id)).ToDictionaryAsync(d => d.Id, d => d.Name, cancellationToken),
            await db.ProviderAccounts.AsNoTracking().Where(p => accountIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.Name, cancellationToken),
            await db.ApiKeys.AsNoTracking().Where(k => keyIds.Contains(k.Id)).ToDictionaryAsync(k => k.Id, k => k.Prefix + "… (" + k.Name + ")", cancellationToken));
    }
}

/// <summary>Names for the ids a page of records refers to.</summary>
public sealed record RecordNames(
    IReadOnlyDictionary<Guid, string> Teams, IReadOnlyDictionary<Guid, string> Developers, IReadOnlyDictionary<Guid, string> Accounts,
    IReadOnlyDictionary<Guid, string> Keys)
{
    public string Team(Guid id) => Teams.GetValueOrDefault(id, "(deleted team)");
    public string Developer(Guid? id) => id is { } d ? Developers.GetValueOrDefault(d, "(deleted developer)") : "(service agent)";
    public string Account(Guid? id) => id is { } a ? Accounts.GetValueOrDefault(a, "(deleted account)") : "";
    public string Key(Guid id) => Keys.GetValueOrDefault(id, "(deleted key)");
}

/// <summary>Every public property of <see cref="UsageRecord"/>, in declaration order, as label and text: a field added to
/// the record (error codes, estimated usage, pricing dimensions) shows in the drawer and the CSV without a change here.
/// Ids that name something get the name next to them.</summary>
public static class RecordFields
{
    private static readonly PropertyInfo[] Properties = typeof(UsageRecord).GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.CanRead && p.GetIndexParameters().Length == 0).ToArray();

    /// <summary>Named ids get a second column with the name.</summary>
    private static readonly Dictionary<string, Func<UsageRecord, RecordNames, string>> Named = new()
    {
        [nameof(UsageRecord.TeamId)] = (r, n) => n.Team(r.TeamId),
        [nameof(UsageRecord.DeveloperId)] = (r, n) => n.Developer(r.DeveloperId),
        [nameof(UsageRecord.ApiKeyId)] = (r, n) => n.Key(r.ApiKeyId),
        [nameof(UsageRecord.ProviderAccountId)] = (r, n) => n.Account(r.ProviderAccountId),
    };

    /// <summary>Column names (snake_case), the same order as <see cref="Describe"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = Properties.SelectMany(p => Named.ContainsKey(p.Name)
        ? [Snake(p.Name), Snake(p.Name[..^2]) + "_name"] : new[] { Snake(p.Name) }).ToList();

    public static IReadOnlyList<RecordField> Describe(UsageRecord record, RecordNames names)
    {
        var fields = new List<RecordField>();
        foreach (var property in Properties)
        {
            fields.Add(new RecordField(Snake(property.Name), Label(property.Name), Format(property.GetValue(record))));
            if (Named.TryGetValue(property.Name, out var name))
                fields.Add(new RecordField(Snake(property.Name[..^2]) + "_name", Label(property.Name[..^2]), name(record, names)));
        }
        return fields;
    }

    /// <summary>Culture-independent text: times in ISO 8601 UTC, numbers without grouping, booleans as true/false.</summary>
    public static string Format(object? value) => value switch
    {
        null => "",
        DateTimeOffset at => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
        bool flag => flag ? "true" : "false",
        Enum e => e.ToString().ToLowerInvariant(),
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Snake(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 && !char.IsUpper(name[i - 1]) ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    /// <summary>"TimeToFirstByteMs" → "Time to first byte (ms)".</summary>
    private static string Label(string name)
    {
        var unit = name.EndsWith("Ms", StringComparison.Ordinal) ? " (ms)" : name.EndsWith("Usd", StringComparison.Ordinal) ? " (USD)" : "";
        var bare = unit.Length > 0 ? name[..^(unit == " (ms)" ? 2 : 3)] : name;
        var words = Snake(bare).Replace('_', ' ');
        return char.ToUpperInvariant(words[0]) + words[1..] + unit;
    }
}
