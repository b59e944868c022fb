using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AgentRouter.Web.Alerts;

/// <summary>The <c>X-AgentRouter-Signature</c> header of a webhook delivery: <c>t=&lt;unix seconds&gt;,v1=&lt;hex&gt;</c>,
/// where v1 is HMAC-SHA256, keyed with the channel's secret (its UTF-8 bytes), of <c>"&lt;t&gt;.&lt;raw body&gt;"</c>.
/// The timestamp is signed so a receiver can refuse replays of old deliveries.</summary>
public static class WebhookSignature
{
    public const string Header = "X-AgentRouter-Signature";

    public static string Sign(string secret, DateTimeOffset at, ReadOnlySpan<byte> body)
    {
        var timestamp = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"t={timestamp},v1={Convert.ToHexStringLower(Mac(secret, timestamp, body))}";
    }

    /// <summary>What a receiver does: recompute the MAC over the raw body, compare in constant time, and refuse a
    /// timestamp further than <paramref name="tolerance"/> from its own clock.</summary>
    public static bool Verify(string secret, string? header, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance)
    {
        if (string.IsNullOrEmpty(header))
            return false;
        string? timestamp = null, signature = null;
        foreach (var part in header.Split(','))
        {
            var (name, value) = part.Split('=', 2) is [var n, var v] ? (n.Trim(), v.Trim()) : ("", "");
            if (name == "t")
                timestamp = value;
            else if (name == "v1")
                signature = value;
        }
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || signature is null)
            return false;
        if ((now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > tolerance)
            return false;
        byte[] presented;
        try
        {
            presented = Convert.FromHexString(signature);
        }
        catch (FormatException)
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(presented, Mac(secret, timestamp!, body));
    }

    /// <summary>A new webhook secret: 32 random bytes, base64url, with a prefix that says what it is.</summary>
    public static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] Mac(string secret, string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message);
    }
}
