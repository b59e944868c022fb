using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace AgentRouter.Web.Admin;

/// <summary>Every validation problem of a request at once, by field.</summary>
public sealed class Problems
{
    private readonly Dictionary<string, List<string>> _byField = [];

    public bool Any => _byField.Count > 0;

    public Problems Add(string field, string message)
    {
        if (!_byField.TryGetValue(field, out var list))
            _byField[field] = list = [];
        list.Add(message);
        return this;
    }

    /// <summary>Whether a problem was already noted for the field.</summary>
    public bool Has(string field) => _byField.ContainsKey(field);

    public void Require(bool condition, string field, string message)
    {
        if (!condition)
            Add(field, message);
    }

    /// <summary>The checks every record listing makes: a sane limit and a window that ends after it starts.</summary>
    public static Problems ForListing(DateTimeOffset? from, DateTimeOffset? to, int? limit, int maxLimit)
    {
        var problems = new Problems();
        problems.Require(limit is null || (limit > 0 && limit <= maxLimit), "limit", $"Limit must be between 1 and {maxLimit}.");
        problems.Require(from is null || to is null || from < to, "to", "'to' must be after 'from'.");
        return problems;
    }

    public Dictionary<string, string[]> ToDictionary() => _byField.ToDictionary(p => p.Key, p => p.Value.ToArray());
}

/// <summary>What an admin service did: a value, validation problems, or a missing entity. Shared by the admin API
/// and the console so both report the same outcomes.</summary>
public sealed class AdminResult<T>
{
    public T? Value { get; private init; }
    public Problems? Problems { get; private init; }
    public string? Missing { get; private init; }
    public bool Succeeded => Problems is null && Missing is null;

    public static AdminResult<T> Ok(T value) => new() { Value = value };
    public static AdminResult<T> Invalid(Problems problems) => new() { Problems = problems };
    public static AdminResult<T> NotFound(string what) => new() { Missing = what };

    public static implicit operator AdminResult<T>(T value) => Ok(value);

    public Results<Ok<T>, ValidationProblem, NotFound<ProblemDetails>> ToOk() =>
        Problems is not null ? TypedResults.ValidationProblem(Problems.ToDictionary())
        : Missing is not null ? NotFoundProblem(Missing)
        : TypedResults.Ok(Value!);

    public Results<Created<T>, ValidationProblem, NotFound<ProblemDetails>> ToCreated(Func<T, string> location) =>
        Problems is not null ? TypedResults.ValidationProblem(Problems.ToDictionary())
        : Missing is not null ? NotFoundProblem(Missing)
        : TypedResults.Created(location(Value!), Value!);

    internal static NotFound<ProblemDetails> NotFoundProblem(string what) =>
        TypedResults.NotFound(new ProblemDetails { Status = StatusCodes.Status404NotFound, Title = "Not found", Detail = what });
}
