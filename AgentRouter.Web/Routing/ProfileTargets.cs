using AgentRouter.Web.Admin;
using AgentRouter.Web.Profiles;

namespace AgentRouter.Web.Routing;

/// <summary>A target of a model entry as the profile document writes it: <c>priority</c> 0 or more (lower is tried
/// first, default 0), <c>weight</c> 1–1000 (the share of requests among targets of one priority, default 1).</summary>
public sealed record ProfileTarget(Guid? ProviderId, string? UpstreamModel, int? Priority = null, int? Weight = null);

/// <summary>Reads, checks and writes a model entry's targets. A single-target entry is written as before (name,
/// providerId, upstreamModel); <c>targets</c>, when given, lists every target, its first being the entry's own.</summary>
public static class ProfileTargets
{
    public const int MaxTargets = 8;
    public const int MaxPriority = 100;
    public const int MaxWeight = 1000;

    /// <summary>Checks one model's targets and reports problems under <paramref name="at"/>.</summary>
    public static void Validate(ProfileModel model, string at, ICollection<Guid> accounts, ICollection<string> catalog, Problems problems)
    {
        if (model.Targets is not { } targets)
        {
            CheckTarget(model.ProviderId, model.UpstreamModel?.Trim(), at, accounts, catalog, problems);
            return;
        }
        if (targets.Count is 0 or > MaxTargets)
        {
            problems.Add($"{at}.targets", $"List 1 to {MaxTargets} targets, or leave 'targets' out and name providerId and upstreamModel.");
            return;
        }
        var first = targets[0];
        problems.Require(model.ProviderId is null || model.ProviderId == first?.ProviderId, $"{at}.providerId",
            "With 'targets', leave providerId out or make it the first target's.");
        problems.Require(model.UpstreamModel is null || model.UpstreamModel.Trim() == first?.UpstreamModel?.Trim(), $"{at}.upstreamModel",
            "With 'targets', leave upstreamModel out or make it the first target's.");
        for (var t = 0; t < targets.Count; t++)
        {
            var (target, field) = (targets[t], $"{at}.targets[{t}]");
            if (target is null)
            {
                problems.Add(field, "A target names providerId and upstreamModel.");
                continue;
            }
            CheckTarget(target.ProviderId, target.UpstreamModel?.Trim(), field, accounts, catalog, problems);
            problems.Require(target.Priority is null or >= 0 and <= MaxPriority, $"{field}.priority", $"Priority is 0 (tried first) to {MaxPriority}.");
            problems.Require(target.Weight is null or >= 1 and <= MaxWeight, $"{field}.weight", $"Weight is 1 to {MaxWeight}.");
            if (targets.Take(t).Any(o => o is not null && o.ProviderId == target.ProviderId && o.UpstreamModel?.Trim() == target.UpstreamModel?.Trim()))
                problems.Add(field, "This account and model are listed twice.");
        }
    }

    /// <summary>The entry a checked model becomes.</summary>
    public static ModelEntry Entry(string publicName, ProfileModel model)
    {
        var targets = model.Targets ?? [new ProfileTarget(model.ProviderId, model.UpstreamModel)];
        var first = targets[0];
        return new ModelEntry
        {
            PublicName = publicName,
            ProviderAccountId = first.ProviderId!.Value,
            UpstreamModel = first.UpstreamModel!.Trim(),
            Priority = first.Priority ?? 0,
            Weight = first.Weight ?? 1,
            Alternates = targets.Skip(1).Select((t, i) => new ModelTarget
            {
                Position = i + 1, ProviderAccountId = t.ProviderId!.Value, UpstreamModel = t.UpstreamModel!.Trim(), Priority = t.Priority ?? 0, Weight = t.Weight ?? 1,
            }).ToList(),
        };
    }

    /// <summary>The document's <c>targets</c> for an entry: null when it has one target at the defaults, so single-target
    /// profiles read as they always have.</summary>
    public static List<ProfileTarget>? Of(ModelEntry entry) =>
        entry.Alternates.Count == 0 && entry.Priority == 0 && entry.Weight == 1
            ? null
            : [new ProfileTarget(entry.ProviderAccountId, entry.UpstreamModel, entry.Priority, entry.Weight),
               .. entry.Alternates.OrderBy(a => a.Position).Select(a => new ProfileTarget(a.ProviderAccountId, a.UpstreamModel, a.Priority, a.Weight))];

    /// <summary>Every target of a model as the document writes it, the entry's own first.</summary>
    public static List<ProfileTarget> All(ProfileModel model) => model.Targets ?? [new ProfileTarget(model.ProviderId, model.UpstreamModel, 0, 1)];

    /// <summary>The model with one more target.</summary>
    public static ProfileModel WithTarget(ProfileModel model, ProfileTarget target) =>
        model with { ProviderId = null, UpstreamModel = null, Targets = [.. All(model), target] };

    /// <summary>The model without its target at <paramref name="index"/> (not the first: that one is the entry's own).</summary>
    public static ProfileModel WithoutTarget(ProfileModel model, int index)
    {
        var targets = All(model).Where((_, i) => i != index).ToList();
        return targets.Count == 1 && targets[0].Priority is null or 0 && targets[0].Weight is null or 1
            ? model with { ProviderId = targets[0].ProviderId, UpstreamModel = targets[0].UpstreamModel, Targets = null }
            : model with { ProviderId = null, UpstreamModel = null, Targets = targets };
    }

    /// <summary>The model with its first target pinned to <paramref name="upstreamModel"/> (the console's pin upgrade).</summary>
    public static ProfileModel WithPin(ProfileModel model, string upstreamModel) =>
        model.Targets is null
            ? model with { UpstreamModel = upstreamModel }
            : model with { UpstreamModel = null, ProviderId = null, Targets = [model.Targets[0] with { UpstreamModel = upstreamModel }, .. model.Targets.Skip(1)] };

    private static void CheckTarget(Guid? providerId, string? upstream, string at, ICollection<Guid> accounts, ICollection<string> catalog, Problems problems)
    {
        problems.Require(providerId is { } id && accounts.Contains(id), $"{at}.providerId", "An existing provider account is required.");
        if (string.IsNullOrEmpty(upstream))
            problems.Add($"{at}.upstreamModel", "The pinned upstream model id is required.");
        else if (!catalog.Contains(upstream))
            problems.Add($"{at}.upstreamModel", $"'{upstream}' is not in the model catalog; add it (with its prices) first: PUT /api/admin/catalog/{upstream}.");
    }
}
