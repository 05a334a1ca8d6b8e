// The counter-based stream of stochastic rounding (issue 18, part 2): Philox4x32-10 against Random123's known-answer
// vectors, and bfloat16 stochastic rounding checked for its two defining properties (the result is one of the two
// neighbours; it is unbiased) and for repeating by (seed, step, index) whatever the split.
using System;
using System.Linq;
using OdeOpt.Runtime;
using Xunit;

namespace OdeOpt.Tests;

public sealed class CounterRandomTests
{
    [Theory]
    // Random123 kat_vectors, philox4x32 with 10 rounds: counter, key, expected output.
    [InlineData(0u, 0u, 0u, 0u, 0u, 0u, 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u)]
    [InlineData(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu)]
    [InlineData(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u, 0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u)]
    public void Philox4x32_10_gives_the_known_answers(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1, uint e0, uint e1, uint e2, uint e3)
    {
        Assert.Equal((e0, e1, e2, e3), CounterRandom.Philox(c0, c1, c2, c3, k0, k1));
    }

    [Fact]
    public void Stochastic_rounding_picks_a_neighbour_and_is_unbiased()
    {
        var rng = new Random(19);
        for (int k = 0; k < 200; k++)
        {
            float x = (float)((rng.NextDouble() * 2 - 1) * Math.Pow(10, rng.Next(-30, 30)));
            uint bits = BitConverter.SingleToUInt32Bits(x);
            ushort down = (ushort)(bits >> 16), up = (ushort)(down + 1);
            double sum = 0;
            const int draws = 20_000;
            for (int d = 0; d < draws; d++)
            {
                ushort r = CounterRandom.StochasticBFloat16(x, CounterRandom.Bits(7, k, d));
                Assert.True(r == down || r == up, $"{x:R}: 0x{r:X4} is neither 0x{down:X4} nor 0x{up:X4}");
                sum += BFloat16.ToSingle(r);
            }
            // The mean of draws is x within 5 standard errors of a two-point distribution one bfloat16 ulp wide.
            double lo = BFloat16.ToSingle(down), hi = BFloat16.ToSingle(up), p = (x - lo) / (hi - lo);
            double se = Math.Abs(hi - lo) * Math.Sqrt(Math.Max(p * (1 - p), 1e-12) / draws);
            Assert.True(Math.Abs(sum / draws - x) <= 5 * se + 1e-12 * Math.Abs(x), $"{x:R}: mean {sum / draws:R}, 5 se = {5 * se:E2}");
        }
        // Exact values, infinities and NaN are kept.
        Assert.Equal(0x3F80, CounterRandom.StochasticBFloat16(1f, 0xFFFFu));
        Assert.Equal(0x7F80, CounterRandom.StochasticBFloat16(float.PositiveInfinity, 0xFFFFu));
        Assert.True(float.IsNaN(BFloat16.ToSingle(CounterRandom.StochasticBFloat16(float.NaN, 0x1234u))));
    }

    [Fact]
    public void The_rounded_array_is_the_same_for_any_split()
    {
        const int n = 10_000;
        var rng = new Random(20);
        var x = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        var whole = new ushort[n];
        CounterRandom.StochasticNarrow(x, whole, seed: 42, step: 3, offset: 0);
        var pieces = new ushort[n];
        foreach (var (start, length) in new[] { (0, 1234), (1234, 5000), (6234, n - 6234) })
            CounterRandom.StochasticNarrow(x.AsSpan(start, length), pieces.AsSpan(start, length), seed: 42, step: 3, offset: start);
        Assert.Equal(whole, pieces);
        var otherStep = new ushort[n];
        CounterRandom.StochasticNarrow(x, otherStep, seed: 42, step: 4, offset: 0);
        Assert.True(whole.Zip(otherStep).Count(p => p.First != p.Second) > n / 4); // a new step draws new bits
    }

    private static void StochasticStoresLikeTheScalar<V>() where V : struct, ISimd<V>
    {
        var rng = new Random(V.Count + 100);
        int n = 64 * V.Count;
        var x = Enumerable.Range(0, n).Select(i => i % 13 == 1 ? float.NaN : i % 11 == 2 ? float.NegativeInfinity
            : BitConverter.UInt32BitsToSingle((uint)rng.NextInt64(0, 1L << 32))).ToArray();
        var (k0, k1) = CounterRandom.StepKey(seed: 3, step: 7);
        var stored = new ushort[n + 5];
        // The destination starts 5 elements into its array: the bits follow the index argument (the element index the
        // generated loop passes), not the address.
        for (int i = 0; i < n; i += V.Count) V.StoreBFloat16Stochastic(V.Load(ref x[0], i), ref stored[5], i, k0, k1);
        for (int i = 0; i < n; i++)
        {
            ushort expected = CounterRandom.StochasticBFloat16(x[i], CounterRandom.ElementBits(k0, k1, (uint)i));
            Assert.True(stored[5 + i] == expected, $"{typeof(V).Name} element {i}: 0x{stored[5 + i]:X4}, scalar 0x{expected:X4}");
        }
    }

    [Fact]
    public void Every_vector_width_rounds_stochastically_with_the_scalar_bits()
    {
        StochasticStoresLikeTheScalar<SimdScalar>();
        if (System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated) StochasticStoresLikeTheScalar<Simd128>();
        if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated) StochasticStoresLikeTheScalar<Simd256>();
        if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) StochasticStoresLikeTheScalar<Simd512>();
    }
}
