using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Responses;
using Google.Apis.Util;

namespace AgentRouter.Web.Providers.VertexAI;

/// <summary>The OAuth access tokens of one Vertex AI account, minted from its service-account key and cached: a token is
/// reused until <see cref="RefreshAhead"/> before it expires, then refreshed in the background while requests keep
/// using it, and only waited for when less than <see cref="MinimumValidity"/> is left. At most one mint runs at a time
/// (every caller that needs a token meanwhile awaits that one). A key the token endpoint refuses is reported to every
/// caller, and not tried again for <see cref="RetryAfterRefusal"/>.</summary>
public sealed class VertexTokenSource
{
    /// <summary>How long before expiry a token is replaced while still being handed out.</summary>
    public static readonly TimeSpan RefreshAhead = TimeSpan.FromMinutes(5);

    /// <summary>The least validity a token handed to a request has: it must outlive the request's start.</summary>
    public static readonly TimeSpan MinimumValidity = TimeSpan.FromMinutes(1);

    /// <summary>How long a refusal is repeated without asking the token endpoint again.</summary>
    public static readonly TimeSpan RetryAfterRefusal = TimeSpan.FromSeconds(30);

    /// <summary>Google documents access tokens as valid for an hour; used only if an answer omits <c>expires_in</c>.</summary>
    private static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(1);

    private static readonly TimeSpan MintTimeout = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private readonly ServiceAccountCredential _credential;
    private readonly TimeProvider _clock;
    private readonly VertexAccountHealth _health;
    private AccessToken? _current;
    private Task<AccessToken>? _minting;
    private (VertexTokenException Error, DateTimeOffset Until)? _refused;

    public VertexTokenSource(Guid accountId, string accountName, ServiceAccountKey key, TimeProvider clock, VertexAccountHealth health)
    {
        AccountId = accountId;
        AccountName = accountName;
        Fingerprint = key.Fingerprint;
        _clock = clock;
        _health = health;
        _credential = key.CreateCredential(new TimeProviderClock(clock));
    }

    public Guid AccountId { get; }
    public string AccountName { get; }

    /// <summary>Which key this source mints with (<see cref="ServiceAccountKey.Fingerprint"/>).</summary>
    public string Fingerprint { get; }

    /// <summary>How many times a token was asked of the token endpoint (refusals included).</summary>
    public int Mints => Volatile.Read(ref _mints);
    private int _mints;

    /// <summary>A bearer token for the next upstream request. Never blocks while a fresh token is cached.</summary>
    /// <exception cref="VertexTokenException">The token endpoint refused the key or could not be reached.</exception>
    public ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        if (Volatile.Read(ref _current) is { } current && now < current.ExpiresAt - RefreshAhead)
            return new(current.Value);
        return RenewAsync(now, cancellationToken);
    }

    private async ValueTask<string> RenewAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        Task<AccessToken> minting;
        lock (_gate)
        {
            if (_current is { } current && now < current.ExpiresAt - MinimumValidity)
            {
                // Still good for this request: refresh behind it, so no request waits for a mint (unless a refusal
                // is being waited out: the token endpoint is not asked on every request).
                if (_refused is not { } pause || now >= pause.Until)
                    _minting ??= MintAsync();
                return current.Value;
            }
            if (_refused is { } refused && now < refused.Until)
                throw refused.Error;
            minting = _minting ??= MintAsync();
        }
        return (await minting.WaitAsync(cancellationToken)).Value;
    }

    private async Task<AccessToken> MintAsync()
    {
        // Runs after the caller has left the lock, which this method takes to publish its result.
        await Task.Yield();
        Interlocked.Increment(ref _mints);
        var started = _clock.GetUtcNow();
        try
        {
            // One caller's cancellation must not fail the mint every other caller awaits.
            using var timeout = new CancellationTokenSource(MintTimeout);
            await _credential.RequestAccessTokenAsync(timeout.Token);
            var token = _credential.Token;
            if (string.IsNullOrEmpty(token?.AccessToken))
                throw Failed("the token endpoint answered without an access token.", null);
            var minted = new AccessToken(token.AccessToken,
                started + (token.ExpiresInSeconds is > 0 and var seconds ? TimeSpan.FromSeconds(seconds) : DefaultLifetime));
            lock (_gate)
            {
                _current = minted;
                _refused = null;
                _minting = null;
            }
            _health.Succeeded(AccountId);
            return minted;
        }
        catch (TokenResponseException ex)
        {
            var reason = ex.Error?.Error is { Length: > 0 } code
                ? ex.Error.ErrorDescription is { Length: > 0 } description ? $"{code}: {description}" : code
                : $"HTTP {(int?)ex.StatusCode}";
            throw Refused(Failed($"Google refused its service-account key ({reason}). Upload a valid key for the account, with the Vertex AI User role.", ex), started);
        }
        catch (VertexTokenException ex)
        {
            throw Refused(ex, started);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            throw Refused(Failed($"the token endpoint could not be reached ({ex.Message}).", ex), started);
        }
        catch (Exception ex)
        {
            // Anything else (an unreadable answer): never leave a faulted mint behind for later callers to reuse.
            throw Refused(Failed($"the token endpoint's answer could not be used ({ex.GetType().Name}).", ex), started);
        }
    }

    private VertexTokenException Refused(VertexTokenException error, DateTimeOffset at)
    {
        lock (_gate)
        {
            _refused = (error, at + RetryAfterRefusal);
            _minting = null;
        }
        _health.Failed(AccountId, error.Message, at);
        return error;
    }

    private VertexTokenException Failed(string reason, Exception? inner) =>
        new(AccountName, $"Vertex AI account '{AccountName}' could not get a Google access token: {reason}", inner);

    private sealed record AccessToken(string Value, DateTimeOffset ExpiresAt);

    /// <summary>Google's clock interface over the application's <see cref="TimeProvider"/>, so the signed assertion's
    /// issue and expiry times follow the same (in tests, fake) clock as the cache.</summary>
    private sealed class TimeProviderClock(TimeProvider time) : IClock
    {
        public DateTime Now => time.GetLocalNow().DateTime;
        public DateTime UtcNow => time.GetUtcNow().UtcDateTime;
    }
}

/// <summary>A Vertex AI account could not get an access token; the message names the account and says why (never the key).</summary>
public sealed class VertexTokenException(string accountName, string message, Exception? inner = null) : Exception(message, inner)
{
    public string AccountName { get; } = accountName;
}
