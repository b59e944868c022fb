using System.Security.Cryptography;
using System.Text;

namespace AgentRouter.Web.Keys;

/// <summary>Generates, hashes and abbreviates secrets of the form <c>&lt;kind&gt;_&lt;scope&gt;_&lt;secret&gt;</c>.</summary>
public static class KeyMaterial
{
    public const string ApiKeyKind = "ar";
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>43 base-62 characters: 256 bits of randomness.</summary>
    public const int SecretLength = 43;

    public static string NewApiKey(string teamSlug) => $"{ApiKeyKind}_{teamSlug}_{NewSecret()}";

    public static string NewSecret() => new(RandomNumberGenerator.GetItems<char>(Alphabet, SecretLength));

    /// <summary>Lower-case hex SHA-256. Keys carry 256 bits of randomness, so a fast hash is as strong as a slow one.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>Allocation-free <see cref="Hash(string)"/> for the hot path; <paramref name="hex"/> must hold 64 chars.</summary>
    public static bool TryHash(ReadOnlySpan<char> key, Span<char> hex)
    {
        if (key.Length > 256)
            return false;
        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(key.Length)];
        var length = Encoding.UTF8.GetBytes(key, utf8);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..length], digest);
        return Convert.TryToHexStringLower(digest, hex, out _);
    }

    /// <summary>What may be shown again: the scope and the first four characters of the secret.</summary>
    public static string Prefix(string key) => key[..Math.Min(key.Length, key.LastIndexOf('_') + 5)] + "…";

    /// <summary>True when the text has the shape of an Agent Router key (it may still be unknown).</summary>
    public static bool LooksLikeApiKey(ReadOnlySpan<char> text) => text.StartsWith("ar_") && text.Length <= 256;
}
