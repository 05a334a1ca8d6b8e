// [ParameterStorage] (issue 18, part 2): the step over bfloat16 parameter and gradient buffers. It must be the float32
// step of the same optimizer on the widened buffers, its new theta rounded stochastically with the bits of (seed, step,
// index) written out here (Philox4x32-10 key, checked against Random123 in CounterRandomTests, then lowbias32 of the index);
// the same for any thread count; unbiased, so that Adam still trains where every update is below half a bfloat16 ulp
// and round-to-nearest parameters never move.
using System;
using System.IO;
using System.Linq;
using OdeOpt.Runtime;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.Tests;

public sealed class ParameterStorageTests
{
    private readonly ITestOutputHelper _out;
    public ParameterStorageTests(ITestOutputHelper output) => _out = output;

    private static readonly double[] A = { 0.3, 1, 3, 10, 30 };

    private static float Target(int i) => (float)Math.Sin(i);

    private static void Gradient(ReadOnlySpan<float> x, Span<float> g)
    {
        for (int i = 0; i < x.Length; i++) g[i] = (float)(A[i % A.Length] * (x[i] - Target(i)));
    }

    private static ushort[] Narrow(float[] x) => x.Select(BFloat16.FromSingle).ToArray();

    private static float[] Widen(ushort[] x) => x.Select(BFloat16.ToSingle).ToArray();

    /// <summary>Wellons' lowbias32, written out.</summary>
    private static uint LowBias(uint x)
    {
        x ^= x >> 16; x *= 0x7FEB352Du; x ^= x >> 15; x *= 0x846CA68Bu; return x ^ (x >> 16);
    }

    /// <summary>Stochastic rounding of x to bfloat16 at element i of step t: truncate x plus a uniform 16-bit number in
    /// the lower half of its bits (finite x).</summary>
    private static ushort Stochastic(float x, ulong seed, long step, int i)
    {
        var (k0, k1) = CounterRandom.StepKey(seed, step);
        uint r = (LowBias((uint)i ^ k0) ^ k1) & 0xFFFF;
        return (ushort)((BitConverter.SingleToUInt32Bits(x) + r) >> 16);
    }

    private static byte[] State(IOptimizer opt)
    {
        using var s = new MemoryStream();
        opt.SaveState(s);
        return s.ToArray();
    }

    [Theory]
    [InlineData("test-adam-bf16-everything", false)]
    [InlineData("test-adam-bf16-everything", true)]
    [InlineData("test-torch-adam-bf16-parameters", false)]
    [InlineData("test-torch-adam-bf16-parameters", true)]
    public void The_bfloat16_step_is_the_float_step_on_the_widened_buffers_rounded_stochastically(string name, bool clipNorm)
    {
        const int n = 1037; // the vector loop and the scalar tail
        const ulong seed = 12345;
        var bf = (IBFloat16ParameterOptimizer)OptimizerRegistry.Create(name, n);
        var fp = (ISingleGradientOptimizer)OptimizerRegistry.Create(name, n);
        foreach (var o in new ITrainingOptimizer[] { (ITrainingOptimizer)bf, (ITrainingOptimizer)fp })
        {
            o.SetHyperparameter("LearningRate", 0.01f);
            if (name.Contains("torch"))
            {
                o.SetHyperparameter("WeightDecay", 0.01f);
                o.SetHyperparameter("Amsgrad", 1f);
                // Two parameter groups, the second with its own rate: segments of their own, the bits by absolute index.
                o.Groups.Add(0, 501, "first");
                o.Groups.Add(501, n - 501, "second")["LearningRate"] = 0.003f;
            }
            if (clipNorm) o.GradientClipNorm = 5;
        }
        bf.StochasticRoundingSeed = seed;
        var p16 = Narrow(Enumerable.Range(0, n).Select(i => MathF.Cos(i) * 3).ToArray());
        var g = new float[n];
        for (int t = 1; t <= 30; t++)
        {
            var p = Widen(p16);
            Gradient(p, g);
            var g16 = Narrow(g);
            var gw = Widen(g16);
            bf.Step(p16, g16);
            fp.Step(p, gw);
            for (int i = 0; i < n; i++)
            {
                ushort expected = Stochastic(p[i], seed, t, i);
                Assert.True(p16[i] == expected, $"{name}, step {t}, element {i}: 0x{p16[i]:X4}, expected 0x{expected:X4} (float step {p[i]:R})");
            }
            Assert.Equal(State(fp), State(bf)); // the moments are the float step's, bit for bit
        }
        Assert.Equal(name == "test-adam-bf16-everything" ? 14 : 30, bf.Info.BFloat16ParameterBytesPerParameterPerStep);
    }

    [Fact]
    public void Results_are_bit_identical_for_any_thread_count()
    {
        const int n = 300_001;
        ushort[] Run(int threads)
        {
            var opt = new AdamBFloat16Everything(n) { LearningRate = 0.01f, MaxDegreeOfParallelism = threads, StochasticRoundingSeed = 7 };
            var p16 = Narrow(Enumerable.Range(0, n).Select(i => MathF.Cos(i)).ToArray());
            var g = new float[n];
            for (int t = 0; t < 4; t++)
            {
                Gradient(Widen(p16), g);
                opt.Step(p16, Narrow(g));
            }
            return p16;
        }
        Assert.Equal(Run(1), Run(2));
    }

    [Fact]
    public void Stochastic_rounding_trains_where_round_to_nearest_parameters_never_move()
    {
        // The parameters start in [2.1, 3.9], where a bfloat16 ulp is 2^-6 = 0.0156; an Adam update is at most
        // lr (1 - beta1) / sqrt(1 - beta2) = 3.2 lr = 0.0063 < half an ulp, so parameters rounded to nearest stay where
        // they start; rounded stochastically they move in expectation, towards targets in [-1, 1].
        const int n = 4096, steps = 3000;
        var bf = new AdamBFloat16Everything(n) { LearningRate = 2e-3f, StochasticRoundingSeed = 3 };
        var fp = new AdamFloatStates(n) { LearningRate = 2e-3f };
        var nearest = new AdamFloatStates(n) { LearningRate = 2e-3f };
        var start = Enumerable.Range(0, n).Select(i => BFloat16.ToSingle(BFloat16.FromSingle(3 + 0.9f * MathF.Cos(i)))).ToArray();
        var p16 = Narrow(start);
        var pf = (float[])start.Clone();
        var pn = (float[])start.Clone();
        var g = new float[n];
        double Loss(float[] x) => Enumerable.Range(0, n).Sum(i => 0.5 * A[i % A.Length] * Math.Pow(x[i] - Target(i), 2));
        double initial = Loss(start);
        for (int t = 0; t < steps; t++)
        {
            Gradient(Widen(p16), g);
            bf.Step(p16, Narrow(g));
            fp.Step(pf, Gradient);
            nearest.Step(pn, Gradient);
            for (int i = 0; i < n; i++) pn[i] = BFloat16.ToSingle(BFloat16.FromSingle(pn[i])); // round to nearest after every step
        }
        double lossBf = Loss(Widen(p16)), lossFp = Loss(pf), lossNearest = Loss(pn);
        _out.WriteLine($"loss from {initial:E3} after {steps} steps: float32 {lossFp:E3}, bfloat16 stochastic {lossBf:E3}, bfloat16 nearest {lossNearest:E3}");
        Assert.Equal(initial, lossNearest); // never moves
        Assert.True(lossFp < 0.05 * initial, $"float32 reached only {lossFp / initial:E2} of the start");
        // Stochastic rounding follows the float32 run up to the noise of bfloat16 parameters (an ulp of |x| ~ 1 is 2^-7).
        Assert.True(lossBf <= 1.5 * lossFp + 1e-4 * initial, $"bfloat16 stochastic {lossBf:E3} vs float32 {lossFp:E3}");
    }

    [Fact]
    public void Bad_buffers_throw_before_anything_changes()
    {
        var opt = new AdamBFloat16Everything(10);
        var p = new ushort[10];
        var before = State(opt);
        Assert.Throws<ArgumentException>(() => opt.Step(new ushort[9], new ushort[10]));
        Assert.Throws<ArgumentException>(() => opt.Step(p, new ushort[11]));
        Assert.Throws<ArgumentException>(() => opt.Step(p.AsSpan(), p.AsSpan()));
        Assert.Equal(before, State(opt));
        Assert.Equal(0, opt.StepCount);
        // A non-finite bfloat16 gradient under NonFiniteGradients = Throw: refused with nothing changed.
        opt.NonFiniteGradients = NonFiniteGradientPolicy.Throw;
        var g = new ushort[10];
        g[3] = BFloat16.FromSingle(float.NaN);
        p[0] = BFloat16.FromSingle(1.5f);
        var pBefore = (ushort[])p.Clone();
        Assert.Throws<NotFiniteNumberException>(() => opt.Step(p, g));
        Assert.Equal(pBefore, p);
        Assert.Equal(before, State(opt));
        opt.NonFiniteGradients = NonFiniteGradientPolicy.SkipStep;
        opt.Step(p, g);
        Assert.Equal(pBefore, p);
        Assert.Equal(1, opt.SkippedSteps);
        Assert.Equal(0, new AdamFloatStates(10).Info.BFloat16ParameterBytesPerParameterPerStep);
        Assert.False(new AdamFloatStates(10) is IBFloat16ParameterOptimizer);
    }
}
