using System;
using System.IO;
using System.Linq;
using ILGPU;
using ILGPU.Runtime;
using Xunit;

namespace OdeOpt.Gpu.Tests;

/// <summary>Parameter groups and Validate() on the GPU form: the shared step driver gives it what the CPU form has, and
/// the two stay interchangeable.</summary>
[Collection(GpuCollection.Name)]
public class GroupTests
{
    private const int N = 1031;
    private const double Tolerance = 1e-6;
    private readonly Accelerator _acc;

    public GroupTests(GpuFixture fixture) => _acc = fixture.Accelerator;

    /// <summary>Two groups with their own values, one boundary off the float4 grid (the segments after it take the
    /// scalar loop), a gap between them that keeps the optimizer's values, and a schedule over all of them.</summary>
    private static void Configure(ParameterGroupCollection groups, string lr, string other, float otherValue)
    {
        var first = groups.Add(0, 301, "first");
        first[lr] = 0.002f;
        var second = groups.Add(517, 400, "second");
        second[lr] = 0.03f;
        second[other] = otherValue;
    }

    /// <summary>[Reduction]s on the GPU form sum the CPU form's partial sums (one thread per block of 32,768 and residue
    /// mod 4, combined in the same order), so on ILGPU's CPU accelerator both forms are bit-identical: with groups that do
    /// not start at a multiple of 4, over several blocks, and after a change of groups that spans a group over two
    /// segments.</summary>
    [Theory]
    [InlineData("lamb")]
    [InlineData("lars")]
    [InlineData("gpu-test-reductions-heun")]
    public void Reductions_on_the_GPU_equal_the_CPU_form_bit_for_bit(string name)
    {
        const int n = 100_003;
        var cpu = (ITrainingOptimizer)OptimizerRegistry.Create(name, n);
        using var gpu = GpuOptimizerRegistry.Create(name, _acc, n);
        bool heun = name == "gpu-test-reductions-heun";
        foreach (var groups in new[] { cpu.Groups, gpu.Groups })
        {
            groups.Add(37, 70_000, "big")[heun ? "H" : "LearningRate"] = heun ? 0.02f : 0.004f;
            groups.Add(80_001, 20_000, "small");
        }
        var p = Support.Start(n);
        using var buffer = _acc.Allocate1D<float>(n);
        ArrayView<float> pv = buffer.View;
        pv.CopyFromCPU(p);
        var function = Support.OnHost(n);
        for (int step = 1; step <= 8; step++)
        {
            if (step == 5) { cpu.Groups.Clear(); gpu.Groups.Clear(); }
            cpu.Step(p, Support.Gradient);
            gpu.Step(pv, function);
            Assert.Equal(p, Support.ToHost(pv));
        }
    }

    [Theory]
    [InlineData("adam", "LearningRate", "Beta1", 0.8f)]
    [InlineData("imex-trapezoidal-adam", "LearningRate", "Beta2", 0.99f)]
    [InlineData("nadam", "LearningRate", "Beta1", 0.85f)]        // step scalars: each group keeps its own recurrence
    [InlineData("gradient-flow-rk4", "LearningRate", "LearningRate", 0.004f)] // four passes per step, over every segment
    [InlineData("super-accelerated-momentum", "LearningRate", "Sigma", 3f)]  // look-ahead: GetIterate per segment
    [InlineData("lamb", "LearningRate", "WeightDecay", 0.1f)]                // [Reduction]s: per-group norms
    [InlineData("lars", "LearningRate", "TrustCoefficient", 0.01f)]
    public void Groups_act_on_the_GPU_as_on_the_CPU_and_their_states_are_interchangeable(string name, string lr, string other, float otherValue)
    {
        var cpu = (ITrainingOptimizer)OptimizerRegistry.Create(name, N);
        using var gpu = GpuOptimizerRegistry.Create(name, _acc, N);
        Configure(cpu.Groups, lr, other, otherValue);
        Configure(gpu.Groups, lr, other, otherValue);
        cpu.SetSchedule(lr, Schedule.Step(5, 0.5));
        gpu.SetSchedule(lr, Schedule.Step(5, 0.5));
        var p = Support.Start(N);
        using var buffer = _acc.Allocate1D<float>(N);
        ArrayView<float> pv = buffer.View;
        pv.CopyFromCPU(p);
        var function = Support.OnHost(N);
        var reference = (ITrainingOptimizer)OptimizerRegistry.Create(name, N); // no groups: the groups must change something
        var q = Support.Start(N);
        for (int step = 1; step <= 12; step++)
        {
            cpu.Step(p, Support.Gradient);
            gpu.Step(pv, function);
            reference.Step(q, Support.Gradient);
            double difference = Support.RelativeDifference(Support.ToHost(pv), p);
            Assert.True(difference <= Tolerance, $"{name}: step {step}: GPU and CPU differ by {difference:E3}");
        }
        Assert.True(Support.RelativeDifference(p, q) > 1e-4, "the groups changed nothing");
        var cpuIterate = new float[N];
        cpu.GetIterate(p, cpuIterate);
        using var iterate = _acc.Allocate1D<float>(N);
        gpu.GetIterate(pv, iterate.View);
        Assert.True(Support.RelativeDifference(Support.ToHost(iterate.View), cpuIterate) <= Tolerance);

        // A GPU checkpoint with groups loads into a fresh CPU form (groups included) and continues like the GPU.
        var restored = (ITrainingOptimizer)OptimizerRegistry.Create(name, N);
        restored.LoadState(new MemoryStream(Support.State(gpu)));
        Assert.Equal(2, restored.Groups.Count);
        Assert.Equal(cpu.Groups[1][lr], restored.Groups[1][lr]);
        Assert.Equal(cpu.Groups[1][other], restored.Groups[1][other]);
        restored.SetSchedule(lr, Schedule.Step(5, 0.5));
        var r = Support.ToHost(pv);
        for (int step = 0; step < 3; step++)
        {
            restored.Step(r, Support.Gradient);
            gpu.Step(pv, function);
        }
        Assert.True(Support.RelativeDifference(Support.ToHost(pv), r) <= Tolerance);
        // And the CPU one into a fresh GPU form.
        using var back = GpuOptimizerRegistry.Create(name, _acc, N);
        back.LoadState(new MemoryStream(Support.State(restored)));
        Assert.Equal(2, back.Groups.Count);
        Assert.Equal(Support.State(restored), Support.State(back));
    }

    [Fact]
    public void Bad_groups_are_refused_before_anything_is_queued()
    {
        using var gpu = GpuOptimizerRegistry.Create("adam", _acc, N);
        using var buffer = _acc.Allocate1D<float>(N);
        ArrayView<float> pv = buffer.View;
        pv.CopyFromCPU(Support.Start(N));
        var function = Support.OnHost(N);
        gpu.Step(pv, function);
        var before = Support.State(gpu);
        var pBefore = Support.ToHost(pv);

        var g = gpu.Groups.Add(1000, 100, "too long");
        var e = Assert.Throws<ArgumentException>(() => gpu.Step(pv, function));
        Assert.Contains("too long", e.Message);
        gpu.Groups.Clear();
        gpu.Groups.Add(0, 10, "a");
        gpu.Groups.Add(5, 10, "b");
        Assert.Contains("overlap", Assert.Throws<ArgumentException>(() => gpu.Step(pv, function)).Message);
        gpu.Groups.Clear();
        gpu.Groups.Add(0, 10, "c")["NoSuchThing"] = 1f;
        Assert.Contains("NoSuchThing", Assert.Throws<ArgumentException>(() => gpu.Step(pv, function)).Message);
        gpu.Groups.Clear();
        gpu.Groups.Add(0, 10, "d")["Beta2"] = 1.5f;
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => gpu.Step(pv, function));
        Assert.Contains("parameter group 'd'", range.Message);
        gpu.Groups.Clear(); // the groups are part of the state: without them, it is the state before
        Assert.Equal(pBefore, Support.ToHost(pv));
        Assert.Equal(before, Support.State(gpu));
        Assert.Equal(1, gpu.StepCount);
        _ = g;
    }

    [Fact]
    public void Validate_reports_the_declared_conditions_as_on_the_CPU_per_group()
    {
        // Adam's condition (Belotto da Silva & Gazeau): 3 + beta2 > 4 beta1. beta1 = 0.95, beta2 = 0.5: 3.5 > 3.8 fails.
        var cpu = (ITrainingOptimizer)OptimizerRegistry.Create("adam", N);
        using var gpu = GpuOptimizerRegistry.Create("adam", _acc, N);
        Assert.Empty(gpu.Validate()); // the defaults 0.9, 0.999 satisfy it: 3.999 > 3.6
        foreach (var groups in new[] { cpu.Groups, gpu.Groups })
        {
            var g = groups.Add(0, 100, "head");
            g["Beta1"] = 0.95f;
            g["Beta2"] = 0.5f;
        }
        var warning = Assert.Single(gpu.Validate());
        Assert.Equal("head", warning.Group);
        Assert.Equal("3 + beta2 > 4 * beta1", warning.Condition);
        var expected = Assert.Single(cpu.Validate());
        Assert.Equal(expected.Condition, warning.Condition);
        Assert.Equal(expected.Values, warning.Values);
        gpu.SetHyperparameter("Beta1", 0.99f); // 3.999 > 3.96 still holds for the optimizer's own values
        Assert.Single(gpu.Validate());
        using var sgd = GpuOptimizerRegistry.Create("sgd", _acc, N);
        Assert.Empty(sgd.Validate()); // no conditions declared
    }
}
