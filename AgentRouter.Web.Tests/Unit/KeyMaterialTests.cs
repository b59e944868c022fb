using System.Text.RegularExpressions;
using AgentRouter.Web.Keys;

namespace AgentRouter.Web.Tests.Unit;

public sealed class KeyMaterialTests
{
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private static string TryHashed(string key)
    {
        Span<char> hex = stackalloc char[64];
        Assert.True(KeyMaterial.TryHash(key, hex));
        return new string(hex);
    }

    [Theory]
    [InlineData("acme")]
    [InlineData("platform-team")]
    [InlineData("data_science")]
    public void NewApiKey_HasTheShapeArSlugAnd43Base62Chars(string slug)
    {
        var key = KeyMaterial.NewApiKey(slug);

        Assert.Matches(new Regex($"^ar_{Regex.Escape(slug)}_[0-9A-Za-z]{{43}}$"), key);
        Assert.Equal(3 + slug.Length + 1 + KeyMaterial.SecretLength, key.Length);
        Assert.True(KeyMaterial.LooksLikeApiKey(key));
    }

    [Fact]
    public void NewApiKey_ManyKeys_AreAllDistinctAndUseTheWholeAlphabet()
    {
        var keys = Enumerable.Range(0, 10_000).Select(_ => KeyMaterial.NewApiKey("acme")).ToList();

        Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
        var secretChars = keys.SelectMany(k => k["ar_acme_".Length..]).ToHashSet();
        Assert.Equal(Base62.ToHashSet(), secretChars);
    }

    [Fact]
    public void NewSecret_IsBase62OfTheDocumentedLength()
    {
        var secret = KeyMaterial.NewSecret();

        Assert.Equal(43, secret.Length);
        Assert.All(secret, c => Assert.Contains(c, Base62));
    }

    [Fact]
    public void Hash_IsLowerCaseHexSha256OfTheUtf8Text()
    {
        // SHA-256("abc"), FIPS 180-2 test vector.
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", KeyMaterial.Hash("abc"));
    }

    [Theory]
    [InlineData("ar_acme_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg")]
    [InlineData("ar_équipe_ü€😀")]
    [InlineData("")]
    public void TryHash_MatchesHash(string key)
    {
        Assert.Equal(KeyMaterial.Hash(key), TryHashed(key));
    }

    [Fact]
    public void TryHash_GeneratedKey_MatchesHash()
    {
        var key = KeyMaterial.NewApiKey("acme");

        Assert.Equal(KeyMaterial.Hash(key), TryHashed(key));
        Assert.Matches("^[0-9a-f]{64}$", KeyMaterial.Hash(key));
    }

    [Fact]
    public void TryHash_LongestAcceptedKey_Is256Chars()
    {
        Span<char> hex = stackalloc char[64];

        Assert.True(KeyMaterial.TryHash(new string('a', 256), hex));
        Assert.Equal(KeyMaterial.Hash(new string('a', 256)), new string(hex));
        Assert.False(KeyMaterial.TryHash(new string('a', 257), hex));
    }

    [Fact]
    public void TryHash_DestinationTooSmall_ReturnsFalse()
    {
        Span<char> hex = stackalloc char[63];

        Assert.False(KeyMaterial.TryHash("ar_acme_x", hex));
    }

    [Fact]
    public void Prefix_ShowsTheSlugAndFourSecretCharsThenAnEllipsis()
    {
        Assert.Equal("ar_acme_AbCd…", KeyMaterial.Prefix("ar_acme_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg"));
    }

    [Fact]
    public void Prefix_SlugWithUnderscores_StillShowsFourSecretChars()
    {
        Assert.Equal("ar_data_science_Xy12…", KeyMaterial.Prefix("ar_data_science_Xy12zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"));
    }

    [Fact]
    public void Prefix_GeneratedKey_RevealsExactlyFourSecretChars()
    {
        var key = KeyMaterial.NewApiKey("platform");

        var prefix = KeyMaterial.Prefix(key);

        Assert.Equal(key[.."ar_platform_".Length] + key.Substring("ar_platform_".Length, 4) + "…", prefix);
        Assert.EndsWith("…", prefix);
    }

    [Fact]
    public void Prefix_ShortText_DoesNotThrow()
    {
        Assert.Equal("ar_ab…", KeyMaterial.Prefix("ar_ab"));
    }

    [Theory]
    [InlineData("ar_acme_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg", true)]
    [InlineData("ar_", true)]
    [InlineData("AR_acme_0123", false)]
    [InlineData("sk-ant-api03-abcdefghijklmnopqrstuvwxyz", false)]
    [InlineData("sk-proj-abcdefghijklmnopqrstuvwxyz", false)]
    [InlineData("AIzaSyA-abcdefghijklmnopqrstuvwxyz", false)]
    [InlineData("Bearer ar_acme_x", false)]
    [InlineData("ar", false)]
    [InlineData("", false)]
    public void LooksLikeApiKey_ChecksThePrefix(string text, bool expected)
    {
        Assert.Equal(expected, KeyMaterial.LooksLikeApiKey(text));
    }

    [Fact]
    public void LooksLikeApiKey_RejectsTextLongerThan256Chars()
    {
        Assert.True(KeyMaterial.LooksLikeApiKey("ar_" + new string('x', 253)));
        Assert.False(KeyMaterial.LooksLikeApiKey("ar_" + new string('x', 254)));
    }
}
