using System.Text;
using AgentRouter.Web.Alerts;

namespace AgentRouter.Web.Tests.Alerts;

public sealed class WebhookSignatureTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"type":"budget.threshold_crossed","threshold":80}""");

    [Fact]
    public void Signature_IsHmacSha256OfTimestampDotBody_InHex()
    {
        var header = WebhookSignature.Sign("whsec_test", At, Body);

        // Computed independently: printf '1795953600.{body}' | openssl dgst -sha256 -hmac whsec_test
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes("whsec_test"),
            Encoding.UTF8.GetBytes("1795953600." + Encoding.UTF8.GetString(Body))));
        Assert.Equal($"t=1795953600,v1={expected}", header);
        Assert.True(WebhookSignature.Verify("whsec_test", header, Body, At.AddMinutes(1), TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void TamperedBody_WrongSecret_StaleTimestamp_AndGarbage_DoNotVerify()
    {
        var header = WebhookSignature.Sign("whsec_test", At, Body);
        var tampered = Encoding.UTF8.GetBytes("""{"type":"budget.threshold_crossed","threshold":50}""");

        Assert.False(WebhookSignature.Verify("whsec_test", header, tampered, At, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify("whsec_other", header, Body, At, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify("whsec_test", header, Body, At.AddMinutes(6), TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify("whsec_test", "t=abc,v1=zz", Body, At, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify("whsec_test", null, Body, At, TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void Secrets_AreRandomAndPrefixed()
    {
        var (a, b) = (WebhookSignature.NewSecret(), WebhookSignature.NewSecret());
        Assert.StartsWith("whsec_", a);
        Assert.NotEqual(a, b);
        Assert.Equal(6 + 43, a.Length);
    }
}
