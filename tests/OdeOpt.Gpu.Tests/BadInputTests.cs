using System;
using System.IO;
using ILGPU;
using ILGPU.Runtime;
using Xunit;

namespace OdeOpt.Gpu.Tests;

/// <summary>Bad input throws before any kernel is queued and before anything changes.</summary>
[Collection(GpuCollection.Name)]
public class BadInputTests
{
    private const int N = 37;
    private readonly GpuFixture _fixture;

    public BadInputTests(GpuFixture fixture) => _fixture = fixture;

    [Fact]
    public void With_rollback_off_a_failed_step_makes_later_steps_refuse_until_Reset()
    {
        var acc = _fixture.Accelerator;
        using var gpu = GpuOptimizerRegistry.Create("gradient-flow-rk4", acc, N);
        Assert.True(gpu.RollbackFailedSteps);
        gpu.RollbackFailedSteps = false;
        using var buffer = acc.Allocate1D(Support.Start(N));
        ArrayView<float> pv = buffer.View;
        var function = Support.OnHost(N);
        gpu.Step(pv, function);
        var pBefore = Support.ToHost(pv);
        int calls = 0;
        Assert.Throws<InvalidOperationException>(() => gpu.Step(pv, (x, g) => { if (++calls == 3) throw new InvalidOperationException("loss failed"); function(x, g); }));
        Assert.NotEqual(pBefore, Support.ToHost(pv));
        var e = Assert.Throws<InvalidOperationException>(() => gpu.Step(pv, function));
        Assert.Contains("RollbackFailedSteps off", e.Message);
        gpu.Reset();
        gpu.Step(pv, function);
        Assert.Equal(1, gpu.StepCount);
    }

    [Fact]
    public void A_call_from_inside_the_gradient_function_throws_and_changes_nothing()
    {
        var acc = _fixture.Accelerator;
        using var gpu = GpuOptimizerRegistry.Create("gradient-flow-rk4", acc, N);
        using var buffer = acc.Allocate1D(Support.Start(N));
        ArrayView<float> pv = buffer.View;
        var function = Support.OnHost(N);
        gpu.Step(pv, function);
        var before = Support.State(gpu);
        var pBefore = Support.ToHost(pv);
        int calls = 0;
        var e = Assert.Throws<InvalidOperationException>(() => gpu.Step(pv, (x, g) => { function(x, g); if (++calls == 2) gpu.SaveState(new MemoryStream()); }));
        Assert.Contains("another call on it is in progress", e.Message);
        Assert.Equal(pBefore, Support.ToHost(pv));
        Assert.Equal(before, Support.State(gpu));
    }

    [Theory]
    [InlineData("gradient-flow-rk4", 2)]
    [InlineData("gradient-flow-rk4", 4)]
    [InlineData("imex-midpoint-adam", 2)]
    [InlineData("newmark-average-acceleration", 2)]
    [InlineData("imex-ars233-adam", 3)] // the undo kernel keeps theta, m and v
    public void A_failure_at_a_later_evaluation_leaves_parameters_state_and_step_count_as_before(string name, int failing)
    {
        var acc = _fixture.Accelerator;
        using var gpu = GpuOptimizerRegistry.Create(name, acc, N);
        var cpu = OptimizerRegistry.Create(name, N);
        var p = Support.Start(N);
        using var buffer = acc.Allocate1D(p);
        ArrayView<float> pv = buffer.View;
        var function = Support.OnHost(N);
        for (int s = 0; s < 3; s++) { gpu.Step(pv, function); cpu.Step(p, Support.Gradient); }
        var before = Support.State(gpu);
        var pBefore = Support.ToHost(pv);

        int calls = 0;
        var e = Assert.Throws<InvalidOperationException>(() => gpu.Step(pv, (x, g) => { if (++calls == failing) throw new InvalidOperationException("loss failed"); function(x, g); }));
        Assert.Equal("loss failed", e.Message);
        Assert.Equal(pBefore, Support.ToHost(pv));
        Assert.Equal(before, Support.State(gpu));
        Assert.Equal(3, gpu.StepCount);

        // Continuing is the same as never having failed (the CPU form as the reference).
        for (int s = 0; s < 3; s++) { gpu.Step(pv, function); cpu.Step(p, Support.Gradient); }
        Assert.True(Support.RelativeDifference(Support.ToHost(pv), p) <= 1e-6);
    }

    [Theory]
    [MemberData(nameof(Support.AllNames), MemberType = typeof(Support))]
    public void Wrong_views_and_bad_hyperparameters_throw_before_anything_is_queued(string name)
    {
        var acc = _fixture.Accelerator;
        using var gpu = GpuOptimizerRegistry.Create(name, acc, N);
        using var buffer = acc.Allocate1D<float>(2 * N + 1);
        ArrayView<float> whole = buffer.View;
        var p = whole.SubView(0, N);
        var g = whole.SubView(N, N);
        p.CopyFromCPU(Support.Start(N));
        var function = Support.OnHost(N);
        for (int s = 0; s < 3; s++) gpu.Step(p, function);
        var state = Support.State(gpu);
        var parameters = Support.ToHost(p);

        using var foreign = _fixture.Other.Allocate1D<float>(N);
        int calls = 0;
        GpuGradientFunction counting = (x, y) => { calls++; function(x, y); };

        Assert.Throws<ArgumentException>(() => gpu.Step(whole.SubView(0, N + 1), counting));   // too long
        Assert.Throws<ArgumentException>(() => gpu.Step(whole.SubView(0, N - 1), counting));   // too short
        Assert.Throws<ArgumentException>(() => gpu.Step(default, counting));                   // empty
        Assert.Throws<ArgumentException>(() => gpu.Step(foreign.View, counting));              // another accelerator
        Assert.Throws<ArgumentNullException>(() => gpu.Step(p, null!));
        if (gpu is ISingleGradientGpuOptimizer single)
        {
            Assert.Throws<ArgumentException>(() => single.Step(p, whole.SubView(N, N - 1)));
            Assert.Throws<ArgumentException>(() => single.Step(p, foreign.View));
            Assert.Throws<ArgumentException>(() => single.Step(foreign.View, g));
            Assert.Throws<ArgumentException>(() => single.Step(p, p));                       // overlap
            Assert.Throws<ArgumentException>(() => single.Step(p, whole.SubView(1, N)));     // partial overlap
        }
        Assert.Throws<ArgumentException>(() => gpu.GetIterate(p, foreign.View));
        Assert.Throws<ArgumentException>(() => gpu.GetIterate(p, whole.SubView(1, N)));      // overlaps, not the same view
        Assert.Throws<ArgumentException>(() => gpu.GetIterate(p, whole.SubView(N, N - 1)));

        var hyper = gpu.Info.Hyperparameters[0];
        float old = gpu.GetHyperparameter(hyper.Name);
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            gpu.SetHyperparameter(hyper.Name, bad);
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => gpu.Step(p, counting));
            Assert.Contains(hyper.Name, e.Message);
        }
        gpu.SetHyperparameter(hyper.Name, old);
        Assert.Throws<ArgumentException>(() => gpu.GetHyperparameter("NoSuchHyperparameter"));

        Assert.Equal(0, calls);
        Assert.Equal(parameters, Support.ToHost(p));
        Assert.Equal(state, Support.State(gpu));
    }

    [Fact]
    public void Bad_state_streams_throw_InvalidDataException_and_change_nothing()
    {
        var acc = _fixture.Accelerator;
        using var gpu = GpuOptimizerRegistry.Create("adam", acc, N);
        using var buffer = acc.Allocate1D<float>(N);
        buffer.View.CopyFromCPU(Support.Start(N));
        gpu.Step(buffer.View, Support.OnHost(N));
        var state = Support.State(gpu);

        using var other = GpuOptimizerRegistry.Create("sgd", acc, N);
        Assert.Throws<InvalidDataException>(() => gpu.LoadState(new MemoryStream(Support.State(other))));      // another optimizer
        using var longer = GpuOptimizerRegistry.Create("adam", acc, N + 1);
        Assert.Throws<InvalidDataException>(() => gpu.LoadState(new MemoryStream(Support.State(longer))));     // another count
        Assert.Throws<InvalidDataException>(() => gpu.LoadState(new MemoryStream(state[..^9])));                // truncated
        var corrupted = (byte[])state.Clone();
        corrupted[corrupted.Length / 2] ^= 0x40;
        Assert.Throws<InvalidDataException>(() => gpu.LoadState(new MemoryStream(corrupted)));

        // A CPU state whose parameter group holds an out-of-range value (set after its last step): refused as a whole.
        var cpu = (ITrainingOptimizer)OptimizerRegistry.Create("adam", N);
        var group = cpu.Groups.Add(0, 10, "first layer");
        group["LearningRate"] = 0.5f;
        var p = Support.Start(N);
        cpu.Step(p, Support.Gradient);
        group["Beta1"] = 1.5f;
        var e = Assert.Throws<InvalidDataException>(() => gpu.LoadState(new MemoryStream(Support.State(cpu))));
        Assert.Contains("Beta1", e.Message);
        Assert.Empty(gpu.Groups);

        Assert.Equal(state, Support.State(gpu));
    }

    [Fact]
    public void Constructor_arguments_are_checked()
    {
        Assert.Throws<ArgumentNullException>(() => new OdeOpt.Optimizers.AdamGpu(null!, N));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OdeOpt.Optimizers.AdamGpu(_fixture.Accelerator, 0));
        using var gpu = new OdeOpt.Optimizers.AdamGpu(_fixture.Accelerator, N);
        Assert.Throws<ArgumentException>(() => gpu.Stream = _fixture.Other.DefaultStream);
        Assert.Throws<ArgumentOutOfRangeException>(() => gpu.GradientClipValue = 0);
        gpu.Dispose();
        using var buffer = _fixture.Accelerator.Allocate1D<float>(N);
        Assert.Throws<ObjectDisposedException>(() => gpu.Step(buffer.View, Support.OnHost(N)));
    }
}
