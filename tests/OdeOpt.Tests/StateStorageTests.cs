// [StateStorage] (issue 18, part 2): Adam with bfloat16 m and v against a double-precision reference that rounds the
// stored states the same way (round to nearest even) and uses the unrounded new values within the step, as the fused
// loop does; its traffic (20 bytes per parameter); its training curve beside float32 states.
using System;
using System.IO;
using System.Linq;
using OdeOpt.Runtime;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.Tests;

public sealed class StateStorageTests
{
    private readonly ITestOutputHelper _out;
    public StateStorageTests(ITestOutputHelper output) => _out = output;

    private static readonly double[] A = { 0.3, 1, 3, 10, 30 };

    private static void Gradient(ReadOnlySpan<float> x, Span<float> g)
    {
        for (int i = 0; i < x.Length; i++) g[i] = (float)(A[i % A.Length] * (x[i] - Math.Sin(i)));
    }

    /// <summary>The m and v arrays of a checkpoint, the last two before the CRC: version 4 (an optimizer with 16-bit
    /// arrays) records each array's storage after the array count and keeps a 16-bit array in 2 bytes per element
    /// (StateFormat); decoded here from the bits, bfloat16 as the upper half of a float, binary16 by System.Half.</summary>
    private static float[][] Arrays(IOptimizer opt, int n, int count)
    {
        using var stream = new MemoryStream();
        opt.SaveState(stream);
        var bytes = stream.ToArray();
        Assert.Equal(4, BitConverter.ToInt32(bytes, 8));
        int arrays = 2;
        // The storage bytes stand right before the arrays: A x u8 after the i32 array count.
        int dataStart = bytes.Length - 4 - 2 * 2 * n;
        var storage = bytes.AsSpan(dataStart - arrays, arrays).ToArray();
        Assert.Equal(arrays, BitConverter.ToInt32(bytes, dataStart - arrays - 4));
        return Enumerable.Range(0, count).Select(k => Enumerable.Range(0, n).Select(i =>
        {
            ushort bits = BitConverter.ToUInt16(bytes, dataStart + k * 2 * n + 2 * i);
            return storage[k] == (byte)StateStorage.Half ? (float)BitConverter.UInt16BitsToHalf(bits) : BitConverter.UInt32BitsToSingle((uint)bits << 16);
        }).ToArray()).ToArray();
    }

    /// <summary>One bfloat16 ulp at |x| (2^(e - 7) for x in [2^e, 2^(e + 1))).</summary>
    private static double UlpBFloat16(double x) => x == 0 ? Math.Pow(2, -133) : Math.Pow(2, Math.Floor(Math.Log2(Math.Abs(x))) - 7);

    [Fact]
    public void Bfloat16_moment_Adam_matches_a_double_reference_that_rounds_the_stored_moments()
    {
        var opt = new AdamBFloat16States(1000) { LearningRate = 1e-2f };
        Assert.Equal(new[] { "m", "v" }, opt.Info.BFloat16StateVariables);
        Assert.Empty(opt.Info.HalfStateVariables);
        Assert.Equal(20, opt.Info.BytesPerParameterPerStep);
        Assert.Equal(28, new AdamFloatStates(1000).Info.BytesPerParameterPerStep);
        var (m, v, p) = MatchRoundingReference(opt, x => BFloat16.ToSingle(BFloat16.FromSingle((float)x)), UlpBFloat16,
                                               x => BFloat16.ToSingle(BFloat16.FromSingle((float)x)), UlpBFloat16);
        Assert.True(m <= 1, $"m off by {m:F2} bfloat16 ulp");
        Assert.True(v <= 1, $"v off by {v:F2} bfloat16 ulp");
        Assert.True(p <= 1e-6, $"theta off by {p:E2}");
    }

    [Fact]
    public void Half_first_moment_Adam_matches_a_double_reference_that_rounds_the_stored_moments()
    {
        var opt = new AdamHalfFirstMoment(1000) { LearningRate = 1e-2f };
        Assert.Equal(new[] { "m" }, opt.Info.HalfStateVariables);
        Assert.Equal(new[] { "v" }, opt.Info.BFloat16StateVariables);
        Assert.Equal(20, opt.Info.BytesPerParameterPerStep);
        // The reference rounds with System.Half (independent of OdeOpt's HalfFloat).
        var (m, v, p) = MatchRoundingReference(opt, x => (float)(Half)(float)x, UlpHalf,
                                               x => BFloat16.ToSingle(BFloat16.FromSingle((float)x)), UlpBFloat16);
        Assert.True(m <= 1, $"m off by {m:F2} binary16 ulp");
        Assert.True(v <= 1, $"v off by {v:F2} bfloat16 ulp");
        Assert.True(p <= 1e-6, $"theta off by {p:E2}");
    }

    /// <summary>One binary16 ulp at |x|: 2^(e - 10) for normal x in [2^e, 2^(e + 1)), 2^-24 below 2^-14.</summary>
    private static double UlpHalf(double x) => Math.Pow(2, Math.Max(-24, Math.Floor(Math.Log2(Math.Abs(x))) - 10));

    /// <summary>Steps <paramref name="opt"/> (torch's Adam, created with lr 1e-2) 50 times on n = 1000 parameters beside a
    /// double-precision Adam whose stored m and v are rounded by <paramref name="roundM"/> and <paramref name="roundV"/>
    /// while each step uses the unrounded new values (as the fused loop does); the worst deviation of m and v in ulps and
    /// of theta. The reference continues from the optimizer's own parameters and states each step.</summary>
    private (double M, double V, double Theta) MatchRoundingReference(ISingleGradientOptimizer opt, Func<double, double> roundM, Func<double, double> ulpM,
                                                                      Func<double, double> roundV, Func<double, double> ulpV)
    {
        const int steps = 50;
        const double lr = 1e-2, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        int n = opt.ParameterCount;
        var x = Enumerable.Range(0, n).Select(i => (float)Math.Cos(i)).ToArray();
        var p = x.Select(v => (double)v).ToArray();
        var m = new double[n];
        var v = new double[n];
        double worstM = 0, worstV = 0, worstP = 0;
        var g = new float[n];
        for (int t = 1; t <= steps; t++)
        {
            // The reference takes the gradient where the optimizer does (its parameters are floats).
            Gradient(x, g);
            opt.Step(x, (ReadOnlySpan<float>)g);
            double bc1 = 1 - Math.Pow(b1, t), bc2 = 1 - Math.Pow(b2, t);
            for (int i = 0; i < n; i++)
            {
                double mNew = b1 * m[i] + (1 - b1) * g[i], vNew = b2 * v[i] + (1 - b2) * g[i] * g[i];
                p[i] -= lr * (mNew / bc1) / (Math.Sqrt(vNew / bc2) + eps);
                m[i] = roundM(mNew); // stored rounded; the step used the unrounded value
                v[i] = roundV(vNew);
            }
            var stored = Arrays(opt, n, 2);
            for (int i = 0; i < n; i++)
            {
                worstM = Math.Max(worstM, Math.Abs(stored[0][i] - m[i]) / ulpM(m[i]));
                worstV = Math.Max(worstV, Math.Abs(stored[1][i] - v[i]) / ulpV(v[i]));
                worstP = Math.Max(worstP, Math.Abs(x[i] - p[i]));
            }
            for (int i = 0; i < n; i++) { p[i] = x[i]; m[i] = stored[0][i]; v[i] = stored[1][i]; }
        }
        _out.WriteLine($"{opt.Info.Name}, {steps} steps: max |m - ref| = {worstM:F2} ulp, max |v - ref| = {worstV:F2} ulp, max |theta - ref| = {worstP:E2}");
        return (worstM, worstV, worstP);
    }

    [Fact]
    public void A_checkpoint_records_the_storage_and_keeps_16_bit_arrays_in_2_bytes()
    {
        const int n = 1000;
        var bf = new AdamBFloat16States(n);
        var fp = new AdamFloatStates(n);
        var x = Enumerable.Range(0, n).Select(i => (float)Math.Cos(i)).ToArray();
        bf.Step(x, Gradient);
        fp.Step((float[])x.Clone(), Gradient);
        byte[] Save(IOptimizer o) { using var m = new MemoryStream(); o.SaveState(m); return m.ToArray(); }
        var b = Save(bf);
        var f = Save(fp);
        Assert.Equal(3, BitConverter.ToInt32(f, 8)); // float32 arrays only: version 3, as before
        Assert.Equal(4, BitConverter.ToInt32(b, 8));
        // The same header but for the optimizer's name, 2 storage bytes, and 2 x 2n bytes less of array data.
        int nameDifference = System.Text.Encoding.UTF8.GetByteCount(bf.Info.Name) - System.Text.Encoding.UTF8.GetByteCount(fp.Info.Name);
        Assert.Equal(f.Length + nameDifference + 2 - 2 * 2 * n, b.Length);
        Assert.Equal(new byte[] { 1, 1 }, b.AsSpan(b.Length - 4 - 4 * n - 2, 2).ToArray());
        var half = new AdamHalfFirstMoment(n);
        half.Step((float[])x.Clone(), Gradient);
        var h = Save(half);
        Assert.Equal(new byte[] { 2, 1 }, h.AsSpan(h.Length - 4 - 4 * n - 2, 2).ToArray());
        // Loading takes it back exactly: the same checkpoint after a round trip.
        var again = new AdamHalfFirstMoment(n);
        again.LoadState(new MemoryStream(h));
        Assert.Equal(h, Save(again));
    }

    [Fact]
    public void Bfloat16_moments_train_within_25_percent_of_float32_moments_until_float_noise()
    {
        const int n = 4096, steps = 400;
        var bf = new AdamBFloat16States(n) { LearningRate = 0.02f };
        var fp = new AdamFloatStates(n) { LearningRate = 0.02f };
        var xb = Enumerable.Range(0, n).Select(i => (float)Math.Cos(i)).ToArray();
        var xf = (float[])xb.Clone();
        double Loss(float[] x) => Enumerable.Range(0, n).Sum(i => 0.5 * A[i % A.Length] * Math.Pow(x[i] - Math.Sin(i), 2));
        double start = Loss(xb);
        var curve = new (double B, double F)[steps / 100];
        for (int s = 1; s <= steps; s++)
        {
            bf.Step(xb, Gradient);
            fp.Step(xf, Gradient);
            if (s % 100 == 0) curve[s / 100 - 1] = (Loss(xb), Loss(xf));
        }
        _out.WriteLine($"loss from {start:E3}: " + string.Join("; ", curve.Select((c, k) => $"step {(k + 1) * 100}: bf16 {c.B:E3}, float {c.F:E3}")));
        // Measured: 0.95 and 0.89 at steps 100 and 200 (the two runs oscillate a little differently), then both below
        // 1e-12 of the start, where float rounding of theta decides the loss.
        foreach (var (b, f) in curve.Where(c => c.F > 1e-6 * start)) Assert.InRange(b / f, 0.8, 1.25);
        Assert.True(curve[^1].B <= 1e-12 * start && curve[^1].F <= 1e-12 * start, $"final {curve[^1].B:E2} / {curve[^1].F:E2}");
    }
}
