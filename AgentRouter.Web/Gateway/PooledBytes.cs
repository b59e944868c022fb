using System.Buffers;

namespace AgentRouter.Web.Gateway;

/// <summary>A growable byte buffer rented from the shared pool, for the taps that copy an answer aside as it passes.</summary>
public static class PooledBytes
{
    /// <summary>Appends <paramref name="data"/>, renting a larger buffer (and returning the old one) when it does not fit.</summary>
    public static void Append(ref byte[] buffer, ref int length, ReadOnlySpan<byte> data)
    {
        if (length + data.Length > buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(length + data.Length, Math.Max(4096, buffer.Length * 2)));
            buffer.AsSpan(0, length).CopyTo(larger);
            if (buffer.Length > 0)
                ArrayPool<byte>.Shared.Return(buffer);
            buffer = larger;
        }
        data.CopyTo(buffer.AsSpan(length));
        length += data.Length;
    }
}
