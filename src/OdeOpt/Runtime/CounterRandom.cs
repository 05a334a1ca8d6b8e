// A counter-based random stream for stochastic rounding (issue 18, part 2): the random bits of element i at step t are a
// pure function of (seed, t, i), so a rounded value is the same for any thread count, block split or order of
// evaluation. Philox4x32-10 (Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011; the
// generator cuRAND and PyTorch use; checked against Random123's known-answer vectors) turns (seed, step) into a 64-bit
// key once per step; each element's 32 bits are then Wellons' lowbias32 integer hash of its index under that key,
// lowbias32(i ^ k0) ^ k1 (x ^= x >> 16; x *= 0x7feb352d; x ^= x >> 15; x *= 0x846ca68b; x ^= x >> 16), a bijection of
// 32-bit words that costs two vector multiplies per 16 elements where a Philox block per element would cost twenty:
// stochastic rounding in the fused step stays cheaper than the bytes it saves.
using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OdeOpt.Runtime;

/// <summary>Random bits by (seed, step, index) (a Philox4x32-10 key per step, a hash per element), and bfloat16 stochastic
/// rounding driven by them.</summary>
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

    /// <summary>The key of step <paramref name="step"/> of the stream <paramref name="seed"/>: the first two outputs of
    /// Philox4x32-10 with counter (0, 0, step low, step high) and key (seed low, seed high).</summary>
    public static (uint Key0, uint Key1) StepKey(ulong seed, long step)
    {
        var (k0, k1, _, _) = Philox(0, 0, (uint)step, (uint)((ulong)step >> 32), (uint)seed, (uint)(seed >> 32));
        return (k0, k1);
    }

    /// <summary>32 random bits for element <paramref name="index"/> (below 2^32) under the step key (k0, k1):
    /// lowbias32(index ^ k0) ^ k1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint ElementBits(uint key0, uint key1, uint index) => LowBias(index ^ key0) ^ key1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint LowBias(uint x)
    {
        x ^= x >> 16;
        x *= 0x7FEB_352Du;
        x ^= x >> 15;
        x *= 0x846C_A68Bu;
        return x ^ (x >> 16);
    }

    /// <summary>The same bits for the lanes <paramref name="index"/> + 0, 1, ... of a vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<uint> ElementBits(uint key0, uint key1, Vector512<uint> index)
    {
        static Vector512<uint> H(Vector512<uint> x)
        {
            x ^= x >>> 16;
            x *= 0x7FEB_352Du;
            x ^= x >>> 15;
            x *= 0x846C_A68Bu;
            return x ^ (x >>> 16);
        }
        return H(index ^ Vector512.Create(key0)) ^ Vector512.Create(key1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<uint> ElementBits(uint key0, uint key1, Vector256<uint> index)
    {
        static Vector256<uint> H(Vector256<uint> x)
        {
            x ^= x >>> 16;
            x *= 0x7FEB_352Du;
            x ^= x >>> 15;
            x *= 0x846C_A68Bu;
            return x ^ (x >>> 16);
        }
        return H(index ^ Vector256.Create(key0)) ^ Vector256.Create(key1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<uint> ElementBits(uint key0, uint key1, Vector128<uint> index)
    {
        static Vector128<uint> H(Vector128<uint> x)
        {
            x ^= x >>> 16;
            x *= 0x7FEB_352Du;
            x ^= x >>> 15;
            x *= 0x846C_A68Bu;
            return x ^ (x >>> 16);
        }
        return H(index ^ Vector128.Create(key0)) ^ Vector128.Create(key1);
    }

    /// <summary>32 random bits for element <paramref name="index"/> (below 2^32) at step <paramref name="step"/> of the
    /// stream <paramref name="seed"/>: <see cref="ElementBits(uint, uint, uint)"/> under <see cref="StepKey"/>.</summary>
    public static uint Bits(ulong seed, long step, long index)
    {
        var (k0, k1) = StepKey(seed, step);
        return ElementBits(k0, k1, (uint)index);
    }

    /// <summary>Stochastic rounding of <paramref name="value"/> to bfloat16 with the random bits <paramref name="random"/>
    /// (their lower 16 are used): the lower half of the float's bits plus a uniform 16-bit number, truncated, so that
    /// the result is one of the two bfloat16 values around <paramref name="value"/> and equals it in expectation (each
    /// with probability proportional to its nearness). Exact bfloat16 values, infinities and NaN (quieted) are kept;
    /// a value within the last interval below infinity can round up to infinity, as with nearest rounding.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort StochasticBFloat16(float value, uint random)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        // An infinity stays one (its lower half is 0, the sum stays below the next exponent); a NaN becomes quiet.
        if ((bits & 0x7FFF_FFFFu) > 0x7F80_0000u) return (ushort)((bits >> 16) | 0x0040u);
        return (ushort)((bits + (random & 0xFFFFu)) >> 16);
    }

    /// <summary>The stochastic rounding of float bits in 32-bit lanes with random bits (their lower 16 used), as
    /// <see cref="StochasticBFloat16"/>: the rounded upper halves, still in 32-bit lanes (the caller narrows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<uint> RoundStochastic(Vector512<uint> bits, Vector512<uint> random)
    {
        // An infinity stays one (its lower half is 0, the sum stays below the next exponent); a NaN becomes quiet.
        var nan = Vector512.GreaterThan(bits & Vector512.Create(0x7FFF_FFFFu), Vector512.Create(0x7F80_0000u));
        return Vector512.ConditionalSelect(nan, (bits >>> 16) | Vector512.Create(0x0040u), (bits + (random & Vector512.Create(0xFFFFu))) >>> 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<uint> RoundStochastic(Vector256<uint> bits, Vector256<uint> random)
    {
        // An infinity stays one (its lower half is 0, the sum stays below the next exponent); a NaN becomes quiet.
        var nan = Vector256.GreaterThan(bits & Vector256.Create(0x7FFF_FFFFu), Vector256.Create(0x7F80_0000u));
        return Vector256.ConditionalSelect(nan, (bits >>> 16) | Vector256.Create(0x0040u), (bits + (random & Vector256.Create(0xFFFFu))) >>> 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<uint> RoundStochastic(Vector128<uint> bits, Vector128<uint> random)
    {
        // An infinity stays one (its lower half is 0, the sum stays below the next exponent); a NaN becomes quiet.
        var nan = Vector128.GreaterThan(bits & Vector128.Create(0x7FFF_FFFFu), Vector128.Create(0x7F80_0000u));
        return Vector128.ConditionalSelect(nan, (bits >>> 16) | Vector128.Create(0x0040u), (bits + (random & Vector128.Create(0xFFFFu))) >>> 16);
    }

    /// <summary>Rounds <paramref name="source"/> stochastically into <paramref name="destination"/>, element i with
    /// <c>Bits(seed, step, offset + i)</c>: the same bits for any split of the array.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void StochasticNarrow(ReadOnlySpan<float> source, Span<ushort> destination, ulong seed, long step, long offset)
    {
        if (source.Length != destination.Length)
            throw new ArgumentException($"The destination holds {destination.Length} values, the source {source.Length}.", nameof(destination));
        var (k0, k1) = StepKey(seed, step);
        for (int i = 0; i < source.Length; i++) destination[i] = StochasticBFloat16(source[i], ElementBits(k0, k1, (uint)(offset + i)));
    }
}
