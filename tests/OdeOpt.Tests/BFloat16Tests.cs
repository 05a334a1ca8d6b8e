// bfloat16 storage conversions (issue 18, part 2) against an independent reference: the nearest of the two bfloat16
// values around a float, found in double arithmetic, ties to the even mantissa, overflow past the largest bfloat16 plus
// half an ulp to infinity (IEEE 754 round to nearest even at 8 significant bits).
using System;
using System.Linq;
using OdeOpt.Runtime;
using Xunit;

namespace OdeOpt.Tests;

public sealed class BFloat16Tests
{
    /// <summary>The IEEE round-to-nearest-even bfloat16 of a finite or infinite float, from its two neighbours.</summary>
    private static ushort Reference(float x)
    {
        if (float.IsNaN(x)) throw new ArgumentException("NaN");
        if (float.IsInfinity(x)) return x > 0 ? (ushort)0x7F80 : (ushort)0xFF80;
        uint bits = BitConverter.SingleToUInt32Bits(x);
        uint sign = bits & 0x8000_0000u, magnitude = bits & 0x7FFF_FFFFu;
        uint down = magnitude & 0xFFFF_0000u; // toward zero
        double a = Math.Abs((double)x);
        double lo = BitConverter.UInt32BitsToSingle(down);
        // The next bfloat16 up; past the largest finite one it is 2^128 (rounds to infinity).
        double hi = down + 0x10000u >= 0x7F80_0000u ? Math.Pow(2, 128) : BitConverter.UInt32BitsToSingle(down + 0x10000u);
        uint chosen = a - lo < hi - a ? down : a - lo > hi - a ? down + 0x10000u : ((down >> 16) & 1) == 0 ? down : down + 0x10000u;
        if (chosen >= 0x7F80_0000u) chosen = 0x7F80_0000u;
        return (ushort)((sign | chosen) >> 16);
    }

    [Fact]
    public void Every_bfloat16_survives_the_round_trip_and_its_midpoints_round_to_even()
    {
        for (int b = 0; b < 0x10000; b++)
        {
            ushort bits = (ushort)b;
            float f = BFloat16.ToSingle(bits);
            if (float.IsNaN(f))
            {
                Assert.True(float.IsNaN(BFloat16.ToSingle(BFloat16.FromSingle(f))));
                continue;
            }
            Assert.Equal(bits, BFloat16.FromSingle(f));
            if (float.IsInfinity(f)) continue;
            // The midpoint to the next bfloat16 away from zero and its float neighbours.
            uint up = ((uint)bits << 16) + 0x8000u;
            foreach (uint u in new[] { up - 1, up, up + 1 })
            {
                float x = BitConverter.UInt32BitsToSingle(u);
                if (float.IsNaN(x)) continue;
                Assert.Equal(Reference(x), BFloat16.FromSingle(x));
            }
        }
    }

    [Fact]
    public void Random_floats_round_to_the_nearest_bfloat16_ties_to_even()
    {
        var rng = new Random(18);
        for (int k = 0; k < 2_000_000; k++)
        {
            float x = BitConverter.UInt32BitsToSingle((uint)rng.NextInt64(0, 1L << 32));
            if (float.IsNaN(x)) continue;
            ushort r = BFloat16.FromSingle(x);
            Assert.True(r == Reference(x), $"{x:R} (0x{BitConverter.SingleToUInt32Bits(x):X8}): 0x{r:X4}, reference 0x{Reference(x):X4}");
        }
        // Known values: 1 + 2^-8 is a tie between 1 and 1 + 2^-7 (goes to 1, even); 1 + 3 * 2^-8 goes up to 1 + 2^-6.
        Assert.Equal(0x3F80, BFloat16.FromSingle(1f + MathF.Pow(2, -8)));
        Assert.Equal(0x3F82, BFloat16.FromSingle(1f + 3 * MathF.Pow(2, -8)));
        Assert.Equal(0x7F80, BFloat16.FromSingle(float.MaxValue)); // beyond the largest bfloat16 plus half an ulp
        Assert.Equal(0x0000, BFloat16.FromSingle(float.Epsilon)); // the smallest subnormal rounds to zero
        // A signalling NaN whose payload is only in the lower half would truncate to infinity: it becomes a quiet NaN.
        Assert.Equal(0x7FC0, BFloat16.FromSingle(BitConverter.UInt32BitsToSingle(0x7F80_0001u)));
        Assert.Equal(0xFFC0, BFloat16.FromSingle(BitConverter.UInt32BitsToSingle(0xFF80_0001u)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(33)]
    [InlineData(1000)]
    [InlineData(65_537)]
    public void The_span_forms_give_the_scalar_bits_at_every_length(int n)
    {
        var rng = new Random(n);
        var x = Enumerable.Range(0, n).Select(i => i % 97 == 5 ? float.NaN : i % 89 == 3 ? float.NegativeInfinity
            : BitConverter.UInt32BitsToSingle((uint)rng.NextInt64(0, 1L << 32))).ToArray();
        var narrow = new ushort[n];
        BFloat16.Narrow(x, narrow);
        for (int i = 0; i < n; i++)
        {
            ushort expected = BFloat16.FromSingle(x[i]);
            Assert.True(expected == narrow[i], $"element {i}: 0x{narrow[i]:X4}, scalar 0x{expected:X4}");
        }
        var wide = new float[n];
        BFloat16.Widen(narrow, wide);
        for (int i = 0; i < n; i++)
            Assert.Equal(BitConverter.SingleToUInt32Bits(BFloat16.ToSingle(narrow[i])), BitConverter.SingleToUInt32Bits(wide[i]));
        Assert.Throws<ArgumentException>(() => BFloat16.Narrow(x, new ushort[n + 1]));
        Assert.Throws<ArgumentException>(() => BFloat16.Widen(narrow, new float[n + 1]));
    }

    private static void LoadsAndStoresLikeTheScalar<V>() where V : struct, ISimd<V>
    {
        var rng = new Random(V.Count);
        int n = 64 * V.Count;
        var x = Enumerable.Range(0, n).Select(i => i % 13 == 1 ? float.NaN : i % 11 == 2 ? float.PositiveInfinity
            : i % 7 == 3 ? BitConverter.UInt32BitsToSingle(((uint)rng.Next() << 16) | 0x8000u) // exact ties
            : BitConverter.UInt32BitsToSingle((uint)rng.NextInt64(0, 1L << 32))).ToArray();
        var stored = new ushort[n];
        for (int i = 0; i < n; i += V.Count) V.StoreBFloat16(V.Load(ref x[0], i), ref stored[0], i);
        for (int i = 0; i < n; i++) Assert.True(stored[i] == BFloat16.FromSingle(x[i]), $"{typeof(V).Name} element {i}: 0x{stored[i]:X4}");
        var loaded = new float[n];
        for (int i = 0; i < n; i += V.Count) V.Store(V.LoadBFloat16(ref stored[0], i), ref loaded[0], i);
        for (int i = 0; i < n; i++) Assert.Equal(BitConverter.SingleToUInt32Bits(BFloat16.ToSingle(stored[i])), BitConverter.SingleToUInt32Bits(loaded[i]));
    }

    [Fact]
    public void Every_vector_width_loads_and_stores_the_scalar_bits()
    {
        LoadsAndStoresLikeTheScalar<SimdScalar>();
        if (System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated) LoadsAndStoresLikeTheScalar<Simd128>();
        if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated) LoadsAndStoresLikeTheScalar<Simd256>();
        if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) LoadsAndStoresLikeTheScalar<Simd512>();
    }
}
