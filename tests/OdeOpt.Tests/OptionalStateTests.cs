using System;
using System.IO;
using System.Linq;
using OdeOpt.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.Tests;

/// <summary>State arrays that a flag can leave untouched (AMSGrad's running maximum, SGD's momentum buffer at momentum
/// 0, RMSprop's momentum buffer and centred average) take no memory until a step needs them, as in torch.optim.</summary>
public class OptionalStateTests
{
    private readonly ITestOutputHelper _out;
    public OptionalStateTests(ITestOutputHelper output) => _out = output;

    private const int N = 1 << 20;
    private const long ArrayBytes = 4L * N;

    private static long AllocatedBy(Action action)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static long ConstructionBytes(Func<IOptimizer> create)
    {
        create(); // type initialisers and JIT out of the way
        return AllocatedBy(() => GC.KeepAlive(create()));
    }

    [Theory]
    [InlineData("adam", 2)]          // m, v (vmax only with AMSGrad)
    [InlineData("adamw", 2)]
    [InlineData("sgd", 0)]           // the momentum buffer only with momentum != 0
    [InlineData("rmsprop", 1)]       // v (the momentum buffer and the centred average only when asked for)
    [InlineData("imex-trapezoidal-adam", 4)] // no flags: every array from the start
    public void Construction_allocates_only_the_arrays_the_default_flags_use(string name, int arrays)
    {
        long bytes = ConstructionBytes(() => OptimizerRegistry.Create(name, N));
        _out.WriteLine($"{name}: {bytes:N0} bytes at construction for {N:N0} parameters ({(double)bytes / ArrayBytes:F3} arrays)");
        Assert.InRange(bytes, arrays * ArrayBytes, arrays * ArrayBytes + 64 * 1024);
    }

    [Fact]
    public void Amsgrad_allocates_its_maximum_at_the_first_step_that_needs_it_and_nothing_after()
    {
        var opt = new Adam(N) { Amsgrad = true };
        var p = new float[N];
        var g = Enumerable.Range(0, N).Select(i => MathF.Sin(i * 0.01f)).ToArray();
        long first = AllocatedBy(() => opt.Step(p, g));
        for (int s = 0; s < 3; s++) opt.Step(p, g); // the JIT's first calls of the other paths
        long later = AllocatedBy(() => { for (int s = 0; s < 3; s++) opt.Step(p, g); });
        _out.WriteLine($"first AMSGrad step: {first:N0} bytes; three steps later on: {later:N0}");
        Assert.InRange(first, ArrayBytes, ArrayBytes + 16 * 1024);
        Assert.Equal(0, later);
    }

    /// <summary>AMSGrad switched on after some steps: the maximum starts from 0 at the switch (it is kept at 0 while
    /// AMSGrad is off), so from then on vmax_t = max(vmax_{t-1}, v_t) with vmax = 0 before. Written out in float64.</summary>
    [Fact]
    public void Switching_amsgrad_on_mid_run_matches_the_reference_with_the_maximum_starting_at_the_switch()
    {
        const int n = TorchHarness.N, off = 40, steps = 120;
        const float lr = 0.02f, b1 = 0.9f, b2 = 0.99f, eps = 1e-8f;
        var opt = new Adam(n) { LearningRate = lr, Beta1 = b1, Beta2 = b2, Epsilon = eps };
        var p = Problems.ToFloat(TorchHarness.Start);
        var grad = Problems.ToFloat(TorchHarness.Rosenbrock, n);
        var g = new float[n];
        for (int s = 0; s < steps; s++)
        {
            if (s == off) opt.Amsgrad = true;
            grad(p, g);
            opt.Step(p, g);
        }

        var m = new double[n];
        var v = new double[n];
        var vmax = new double[n];
        var reference = TorchHarness.Reference(TorchHarness.Start, steps, TorchHarness.Rosenbrock, (x, gr, t) =>
        {
            bool amsgrad = t > off;
            for (int i = 0; i < n; i++)
            {
                m[i] = b1 * m[i] + (1 - b1) * gr[i];
                v[i] = b2 * v[i] + (1 - b2) * gr[i] * gr[i];
                if (amsgrad) vmax[i] = Math.Max(vmax[i], v[i]);
                double vhat = (amsgrad ? vmax[i] : v[i]) / (1 - Math.Pow(b2, t));
                x[i] -= lr * (m[i] / (1 - Math.Pow(b1, t))) / (Math.Sqrt(vhat) + eps);
            }
        });
        double error = Problems.MaxRelativeError(p, reference[^1]);
        // The switch matters: a maximum carried from step 1 (torch with AMSGrad from the start) ends elsewhere.
        var fromStart = AdamTests.FullReference(TorchHarness.Start, steps, TorchHarness.Rosenbrock, lr, b1, b2, eps, 0, true, false);
        double apart = Problems.MaxRelativeError(Problems.ToFloat(reference[^1]), fromStart[^1]);
        _out.WriteLine($"error {error:E3}; reference vs AMSGrad from step 1: {apart:E3}");
        Assert.True(error <= 1e-5, $"error {error:E3}");
        Assert.True(apart > 1e-3, $"the two references differ by only {apart:E3}");
    }

    [Fact]
    public void Checkpoints_with_and_without_the_optional_array_continue_bit_identically()
    {
        const int n = 257;
        var g0 = Enumerable.Range(0, n).Select(i => MathF.Cos(i * 0.3f)).ToArray();
        void Run(Adam opt, float[] p, int steps)
        {
            var g = new float[n];
            for (int s = 0; s < steps; s++)
            {
                for (int i = 0; i < n; i++) g[i] = g0[i] + 0.5f * p[i];
                opt.Step(p, g);
            }
        }

        // Saved before AMSGrad was ever on (vmax unallocated), loaded into a fresh optimizer, AMSGrad on afterwards.
        var a = new Adam(n);
        var pa = new float[n];
        Run(a, pa, 5);
        var saved = new MemoryStream();
        a.SaveState(saved);
        var b = new Adam(n);
        saved.Position = 0;
        b.LoadState(saved);
        var pb = (float[])pa.Clone();
        a.Amsgrad = true;
        b.Amsgrad = true;
        Run(a, pa, 5);
        Run(b, pb, 5);
        Assert.Equal(pa, pb);

        // Saved with the maximum allocated and non-zero, loaded into a fresh optimizer that has none yet.
        var again = new MemoryStream();
        a.SaveState(again);
        var c = new Adam(n);
        again.Position = 0;
        c.LoadState(again);
        Assert.True(c.Amsgrad);
        var pc = (float[])pa.Clone();
        var pe = (float[])pa.Clone();
        Run(a, pa, 5);
        Run(c, pc, 5);
        Assert.Equal(pa, pc);
        // And the loaded maximum mattered: the same state continued without AMSGrad ends elsewhere.
        var e = new Adam(n);
        again.Position = 0;
        e.LoadState(again);
        e.Amsgrad = false;
        Run(e, pe, 5);
        Assert.NotEqual(pa, pe);
    }

    [Fact]
    public void A_state_saved_without_the_optional_array_has_the_same_length_as_one_saved_with_it()
    {
        const int n = 100;
        var off = new Adam(n);
        var on = new Adam(n) { Amsgrad = true };
        var g = Enumerable.Range(0, n).Select(i => MathF.Sin(i * 0.7f)).ToArray();
        off.Step(new float[n], g);
        on.Step(new float[n], g);
        var a = new MemoryStream();
        var b = new MemoryStream();
        off.SaveState(a);
        on.SaveState(b);
        Assert.Equal(b.Length, a.Length);
        // The zeros written for the unallocated maximum are checksummed like any array: a flipped byte there is caught.
        var bytes = a.ToArray();
        bytes[bytes.Length - 8] ^= 0x10;
        Assert.Throws<InvalidDataException>(() => new Adam(n).LoadState(new MemoryStream(bytes)));
    }
}
