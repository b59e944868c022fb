using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AgentRouter.Web.Tests.Providers.Bedrock;

/// <summary>An independent SigV4 implementation for the Bedrock fake: it recomputes a request's signature from the
/// known secret the way AWS does (checked against AWS's published test suite), so the product's use of the SDK
/// signer is judged by something that is not the SDK.</summary>
public static class SigV4Verifier
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>The hex signature of a canonical request.</summary>
    public static string Signature(string secret, string amzDate, string region, string service, string canonicalRequest)
    {
        var date = amzDate[..8];
        var scope = $"{date}/{region}/{service}/aws4_request";
        var stringToSign = $"{Algorithm}\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";
        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + secret), date);
        key = Hmac(key, region);
        key = Hmac(key, service);
        key = Hmac(key, "aws4_request");
        return Hex(Hmac(key, stringToSign));
    }

    /// <summary>The canonical request. <paramref name="rawPath"/> is the path as sent (already percent-encoded);
    /// services other than S3 sign it encoded once more.</summary>
    public static string CanonicalRequest(string method, string rawPath, string rawQuery, IEnumerable<(string Name, string Value)> signedHeaders, string payloadHash)
    {
        var headers = signedHeaders.Select(h => (Name: h.Name.ToLowerInvariant(), Value: string.Join(' ', h.Value.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries))))
            .OrderBy(h => h.Name, StringComparer.Ordinal).ToList();
        var path = string.Join('/', rawPath.Split('/').Select(segment => Encode(segment)));
        var query = string.Join('&', rawQuery.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .Select(p => (Name: Encode(Uri.UnescapeDataString(p[0])), Value: Encode(p.Length > 1 ? Uri.UnescapeDataString(p[1]) : "")))
            .OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={p.Value}"));
        var canonicalHeaders = string.Concat(headers.Select(h => $"{h.Name}:{h.Value}\n"));
        return $"{method}\n{(path.Length == 0 ? "/" : path)}\n{query}\n{canonicalHeaders}\n{string.Join(';', headers.Select(h => h.Name))}\n{payloadHash}";
    }

    /// <summary>Checks a request's <c>authorization</c> header; returns why it does not verify, or null.</summary>
    public static string? Verify(string method, string rawPath, string rawQuery, IReadOnlyDictionary<string, string> headers, byte[] body,
        string accessKeyId, string secret, string region, string service, string? sessionToken)
    {
        if (!headers.TryGetValue("authorization", out var authorization) || !authorization.StartsWith(Algorithm + " ", StringComparison.Ordinal))
            return "no SigV4 authorization header";
        var parts = authorization[(Algorithm.Length + 1)..].Split(',', StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
        if (!headers.TryGetValue("x-amz-date", out var amzDate))
            return "no x-amz-date";
        var expectedScope = $"{accessKeyId}/{amzDate[..8]}/{region}/{service}/aws4_request";
        if (parts.GetValueOrDefault("Credential") != expectedScope)
            return $"credential scope {parts.GetValueOrDefault("Credential")} is not {expectedScope}";
        var names = parts.GetValueOrDefault("SignedHeaders", "").Split(';');
        if (!names.Contains("host") || !names.Contains("x-amz-date"))
            return "host and x-amz-date must be signed";
        if (sessionToken is not null && (!names.Contains("x-amz-security-token") || headers.GetValueOrDefault("x-amz-security-token") != sessionToken))
            return "the session token is missing or not signed";
        var payloadHash = Hex(SHA256.HashData(body));
        if (headers.TryGetValue("x-amz-content-sha256", out var claimed) && claimed != payloadHash)
            return "x-amz-content-sha256 does not match the body";
        var signed = new List<(string, string)>();
        foreach (var name in names)
        {
            if (!headers.TryGetValue(name, out var value))
                return $"signed header {name} was not sent";
            signed.Add((name, value));
        }
        var canonical = CanonicalRequest(method, rawPath, rawQuery, signed, payloadHash);
        var expected = Signature(secret, amzDate, region, service, canonical);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(parts.GetValueOrDefault("Signature", "")))
            ? null : "signature mismatch";
    }

    /// <summary>AWS's URI encoding: unreserved characters stay, every other byte becomes %XX (upper case).</summary>
    public static string Encode(string value)
    {
        var builder = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.' or '~')
                builder.Append(c);
            else
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return builder.ToString();
    }

    public static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));
}
