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

    /// <summary>Whether the text holds an Agent Router key anywhere in it: <c>ar_</c>, a scope, <c>_</c> and a full-length
    /// secret (so ordinary words that happen to contain "ar_" do not match).</summary>
    public static bool ContainsApiKey(ReadOnlySpan<char> text)
    {
        for (var at = text.IndexOf("ar_", StringComparison.Ordinal); at >= 0; )
        {
            // The scope may itself hold underscores: try each one within reach as the start of the secret.
            var rest = text[(at + 3)..];
            for (var underscore = rest.IndexOf('_'); underscore >= 0 && underscore <= 64; )
            {
                var secret = rest[(underscore + 1)..];
                var run = secret.IndexOfAnyExcept(SecretCharacters);
                if ((run < 0 ? secret.Length : run) >= SecretLength)
                    return true;
                var further = secret.IndexOf('_');
                underscore = further < 0 ? -1 : underscore + 1 + further;
            }
            var next = rest.IndexOf("ar_", StringComparison.Ordinal);
            at = next < 0 ? -1 : at + 3 + next;
        }
        return false;
    }

    private static readonly System.Buffers.SearchValues<char> SecretCharacters = System.Buffers.SearchValues.Create(Alphabet);

    /// <summary>True when the text has the shape of an Agent Router key (it may still be unknown).</summary>
    public static bool LooksLikeApiKey(ReadOnlySpan<char> text) => text.StartsWith("ar_") && text.Length <= 256;
}
