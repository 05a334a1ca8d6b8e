// A counter-based random stream for stochastic rounding (issue 18, part 2): the random bits of element i at step t are a
// pure function of (seed, t, i), so a rounded state is the same for any thread count, block split or order of
// evaluation. The generator is Philox4x32-10 (Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as easy as 1, 2,
// 3", SC 2011), the one cuRAND and PyTorch use: a 128-bit counter (index, step) and a 64-bit key (the seed) give four
// 32-bit outputs after ten rounds. Checked against the paper's known-answer vectors (Random123's kat_vectors).
using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace OdeOpt.Runtime;

/// <summary>Philox4x32-10 random bits by (seed, step, index), and bfloat16 stochastic rounding driven by them.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class CounterRandom
{
    private const uint M0 = 0xD2511F53u, M1 = 0xCD9E8D57u, W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;

    /// <summary>Philox4x32-10 of the counter (c0, c1, c2, c3) under the key (k0, k1).</summary>
    public static (uint, uint, uint, uint) Philox(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1)
    {
        for (int round = 0; round < 10; round++)
        {
            if (round > 0)
            {
                k0 += W0;
                k1 += W1;
            }
            ulong p0 = (ulong)M0 * c0, p1 = (ulong)M1 * c2;
            uint hi0 = (uint)(p0 >> 32), lo0 = (uint)p0, hi1 = (uint)(p1 >> 32), lo1 = (uint)p1;
            (c0, c1, c2, c3) = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0);
        }
        return (c0, c1, c2, c3);
    }

    /// <summary>32 random bits for element <paramref name="index"/> at step <paramref name="step"/> of the stream
    /// <paramref name="seed"/>: the first output of Philox4x32-10 with counter (index low, index high, step low, step
    /// high) and key (seed low, seed high).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Bits(ulong seed, long step, long index) =>
        Philox((uint)index, (uint)((ulong)index >> 32), (uint)step, (uint)((ulong)step >> 32), (uint)seed, (uint)(seed >> 32)).Item1;

    /// <summary>Stochastic rounding of <paramref name="value"/> to bfloat16 with the random bits <paramref name="random"/>
    /// (their lower 16 are used): the lower half of the float's bits plus a uniform 16-bit number, truncated, so that
    /// the result is one of the two bfloat16 values around <paramref name="value"/> and equals it in expectation (each
    /// with probability proportional to its nearness). Exact bfloat16 values, infinities and NaN (quieted) are kept;
    /// a value within the last interval below infinity can round up to infinity, as with nearest rounding.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort StochasticBFloat16(float value, uint random)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if ((bits & 0x7FFF_FFFFu) >= 0x7F80_0000u) return BFloat16.FromSingle(value); // infinity, NaN
        return (ushort)((bits + (random & 0xFFFFu)) >> 16);
    }

    /// <summary>Rounds <paramref name="source"/> stochastically into <paramref name="destination"/>, element i with
    /// <c>Bits(seed, step, offset + i)</c>: the same bits for any split of the array.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void StochasticNarrow(ReadOnlySpan<float> source, Span<ushort> destination, ulong seed, long step, long offset)
    {
        if (source.Length != destination.Length)
            throw new ArgumentException($"The destination holds {destination.Length} values, the source {source.Length}.", nameof(destination));
        for (int i = 0; i < source.Length; i++) destination[i] = StochasticBFloat16(source[i], Bits(seed, step, offset + i));
    }
}
