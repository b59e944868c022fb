using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AgentRouter.Web.Billing;

/// <summary>Latency and time to first byte of the requests that succeeded in one UTC hour, per provider account and
/// upstream model, as histograms. Percentiles cannot be added up, histograms can: any period's p50 or p95 is read
/// from the merged histograms of its hours, without touching the raw records.</summary>
public sealed class LatencyRollup
{
    public long Id { get; set; }
    public DateTimeOffset HourUtc { get; set; }

    /// <summary>The provider account the requests went to.</summary>
    public Guid ProviderAccountId { get; set; }

    /// <summary>The upstream model id.</summary>
    public required string Model { get; set; }

    /// <summary>Requests counted in <see cref="Latency"/>.</summary>
    public long Requests { get; set; }

    /// <summary>Sparse histogram of total latency (<see cref="LatencyHistogram"/>'s text form).</summary>
    public string Latency { get; set; } = "";

    /// <summary>Requests that reported a first byte (counted in <see cref="FirstByte"/>).</summary>
    public long FirstByteRequests { get; set; }

    /// <summary>Sparse histogram of time to first byte.</summary>
    public string FirstByte { get; set; } = "";
}

/// <summary>A histogram of milliseconds on a logarithmic scale: bucket <c>i</c> holds values up to <c>1.1^i</c> ms, so a
/// percentile read from it is at most 10 % above the true value. Stored as text <c>"i:count,i:count"</c>, only the
/// buckets in use.</summary>
public sealed class LatencyHistogram
{
    /// <summary>Growth from one bucket's upper bound to the next.</summary>
    public const double Growth = 1.1;

    /// <summary>Bucket 160 ends above 4 million ms (over an hour); longer values count in it.</summary>
    public const int Buckets = 161;

    private readonly long[] _counts = new long[Buckets];

    public long Count { get; private set; }

    public static int BucketOf(int milliseconds) =>
        milliseconds <= 1 ? 0 : Math.Min(Buckets - 1, (int)Math.Ceiling(Math.Log(milliseconds) / Math.Log(Growth) - 1e-9));

    /// <summary>The largest value bucket <paramref name="index"/> holds, rounded to a whole millisecond.</summary>
    public static int UpperBound(int index) => (int)Math.Round(Math.Pow(Growth, index));

    public void Add(int milliseconds, long count = 1)
    {
        _counts[BucketOf(Math.Max(0, milliseconds))] += count;
        Count += count;
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < Buckets; i++)
            _counts[i] += other._counts[i];
        Count += other.Count;
    }

    /// <summary>The value at or below which a fraction <paramref name="quantile"/> of the values lie (the upper bound of
    /// the bucket that holds it); null when empty.</summary>
    public int? Percentile(double quantile)
    {
        if (Count == 0)
            return null;
        var rank = Math.Max(1, (long)Math.Ceiling(quantile * Count));
        long seen = 0;
        for (var i = 0; i < Buckets; i++)
            if ((seen += _counts[i]) >= rank)
                return UpperBound(i);
        return UpperBound(Buckets - 1);
    }

    public static LatencyHistogram Parse(string? text)
    {
        var histogram = new LatencyHistogram();
        if (string.IsNullOrEmpty(text))
            return histogram;
        foreach (var pair in text.Split(','))
        {
            var colon = pair.IndexOf(':');
            var index = int.Parse(pair.AsSpan(0, colon), CultureInfo.InvariantCulture);
            var count = long.Parse(pair.AsSpan(colon + 1), CultureInfo.InvariantCulture);
            histogram._counts[index] += count;
            histogram.Count += count;
        }
        return histogram;
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        for (var i = 0; i < Buckets; i++)
        {
            if (_counts[i] == 0)
                continue;
            if (text.Length > 0)
                text.Append(',');
            text.Append(i.ToString(CultureInfo.InvariantCulture)).Append(':').Append(_counts[i].ToString(CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }
}

internal sealed class LatencyRollupConfiguration : IEntityTypeConfiguration<LatencyRollup>
{
    public void Configure(EntityTypeBuilder<LatencyRollup> rollup)
    {
        rollup.ToTable("LatencyRollupsHourly");
        rollup.Property(r => r.Model).HasMaxLength(200);
        rollup.Property(r => r.Latency).HasMaxLength(4000);
        rollup.Property(r => r.FirstByte).HasMaxLength(4000);
        rollup.HasIndex(r => new { r.HourUtc, r.ProviderAccountId, r.Model }).IsUnique();
    }
}
