// IEEE binary16 storage conversions (issue 18, part 2) against an independent reference: .NET's System.Half, whose
// float -> Half conversion is IEEE round to nearest even (subnormals included, overflow to infinity) and whose
// Half -> float conversion is exact. NaN is only required to stay NaN.
using System;
using System.Linq;
using OdeOpt.Runtime;
using Xunit;

namespace OdeOpt.Tests;

public sealed class HalfFloatTests
{
    private static ushort Reference(float x) => BitConverter.HalfToUInt16Bits((Half)x);

    private static void AssertRounds(float x)
    {
        ushort r = HalfFloat.FromSingle(x);
        if (float.IsNaN(x))
        {
            Assert.True(Half.IsNaN(BitConverter.UInt16BitsToHalf(r)), $"NaN 0x{BitConverter.SingleToUInt32Bits(x):X8} became 0x{r:X4}");
            return;
        }
        Assert.True(r == Reference(x), $"{x:R} (0x{BitConverter.SingleToUInt32Bits(x):X8}): 0x{r:X4}, System.Half 0x{Reference(x):X4}");
    }

    [Fact]
    public void Every_binary16_widens_exactly_and_its_midpoints_round_to_even()
    {
        for (int b = 0; b < 0x10000; b++)
        {
            ushort bits = (ushort)b;
            float f = HalfFloat.ToSingle(bits);
            float expected = (float)BitConverter.UInt16BitsToHalf(bits);
            if (float.IsNaN(expected))
            {
                Assert.True(float.IsNaN(f));
                AssertRounds(f);
                continue;
            }
            Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(f));
            Assert.Equal(bits, HalfFloat.FromSingle(f));
            if (float.IsInfinity(f)) continue;
            // The midpoint to the next binary16 away from zero (exact in float: 12 significant bits) and its neighbours;
            // past 65504 the next value is 65536, which rounds to infinity.
            double next = (bits & 0x7FFF) == 0x7BFF ? 65536 : Math.Abs((double)HalfFloat.ToSingle((ushort)(bits + 1)));
            float mid = (float)((Math.Abs((double)f) + next) / 2 * (bits >= 0x8000 ? -1 : 1));
            uint u = BitConverter.SingleToUInt32Bits(mid);
            foreach (uint v in new[] { u - 1, u, u + 1 }) AssertRounds(BitConverter.UInt32BitsToSingle(v));
        }
    }

    [Fact]
    public void Random_floats_round_as_System_Half_does()
    {
        var rng = new Random(16);
        for (int k = 0; k < 1_000_000; k++)
        {
            AssertRounds(BitConverter.UInt32BitsToSingle((uint)rng.NextInt64(0, 1L << 32)));
            // Mostly inside binary16's range, subnormals included: exponents 2^-30 to 2^17.
            AssertRounds((float)((rng.NextDouble() * 2 - 1) * Math.Pow(2, rng.Next(-30, 18))));
        }
        // Known values: 1 + 2^-11 is a tie between 1 and 1 + 2^-10 (to 1, even); 65519.99 stays 65504, 65520 is a tie
        // that goes to the even "65536", infinity; 2^-25 is half the smallest subnormal (to 0, even), 3 * 2^-26 above it.
        Assert.Equal(0x3C00, HalfFloat.FromSingle(1f + MathF.Pow(2, -11)));
        Assert.Equal(0x7BFF, HalfFloat.FromSingle(65519.99f));
        Assert.Equal(0x7C00, HalfFloat.FromSingle(65520f));
        Assert.Equal(0x0000, HalfFloat.FromSingle(MathF.Pow(2, -25)));
        Assert.Equal(0x0001, HalfFloat.FromSingle(3 * MathF.Pow(2, -26)));
        Assert.Equal(0xFC00, HalfFloat.FromSingle(float.MinValue));
        Assert.Equal(0x7E00, HalfFloat.FromSingle(BitConverter.UInt32BitsToSingle(0x7F80_0001u))); // a signalling NaN: quiet
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
            : i % 2 == 0 ? (float)((rng.NextDouble() - 0.5) * Math.Pow(2, rng.Next(-28, 18)))
            : BitConverter.UInt32BitsToSingle((uint)rng.NextInt64(0, 1L << 32))).ToArray();
        var narrow = new ushort[n];
        HalfFloat.Narrow(x, narrow);
        for (int i = 0; i < n; i++)
        {
            ushort expected = HalfFloat.FromSingle(x[i]);
            Assert.True(expected == narrow[i], $"element {i}: 0x{narrow[i]:X4}, scalar 0x{expected:X4}");
        }
        var wide = new float[n];
        HalfFloat.Widen(narrow, wide);
        for (int i = 0; i < n; i++)
            Assert.Equal(BitConverter.SingleToUInt32Bits(HalfFloat.ToSingle(narrow[i])), BitConverter.SingleToUInt32Bits(wide[i]));
        Assert.Throws<ArgumentException>(() => HalfFloat.Narrow(x, new ushort[n + 1]));
        Assert.Throws<ArgumentException>(() => HalfFloat.Widen(narrow, new float[n + 1]));
    }

    private static void LoadsAndStoresLikeTheScalar<V>() where V : struct, ISimd<V>
    {
        var rng = new Random(V.Count);
        int n = 64 * V.Count;
        var x = Enumerable.Range(0, n).Select(i => i % 13 == 1 ? float.NaN : i % 11 == 2 ? float.PositiveInfinity
            : i % 7 == 3 ? BitConverter.UInt32BitsToSingle(((uint)rng.Next(0x3000, 0x4800) << 16) | 0x1000u) // exact ties
            : i % 5 == 4 ? (float)(rng.NextDouble() * Math.Pow(2, -20)) // subnormal in binary16
            : BitConverter.UInt32BitsToSingle((uint)rng.NextInt64(0, 1L << 32))).ToArray();
        var stored = new ushort[n];
        for (int i = 0; i < n; i += V.Count) V.StoreHalf(V.Load(ref x[0], i), ref stored[0], i);
        for (int i = 0; i < n; i++) Assert.True(stored[i] == HalfFloat.FromSingle(x[i]), $"{typeof(V).Name} element {i}: 0x{stored[i]:X4}");
        var loaded = new float[n];
        for (int i = 0; i < n; i += V.Count) V.Store(V.LoadHalf(ref stored[0], i), ref loaded[0], i);
        for (int i = 0; i < n; i++) Assert.Equal(BitConverter.SingleToUInt32Bits(HalfFloat.ToSingle(stored[i])), BitConverter.SingleToUInt32Bits(loaded[i]));
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
