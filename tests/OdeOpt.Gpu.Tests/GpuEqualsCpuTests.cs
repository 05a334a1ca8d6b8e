using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ILGPU;
using ILGPU.Runtime;
using Xunit;

namespace OdeOpt.Gpu.Tests;

/// <summary>The GPU form of every optimizer computes what its CPU form computes, and their states are interchangeable.</summary>
[Collection(GpuCollection.Name)]
public class GpuEqualsCpuTests
{
    private const int N = 1031; // not a multiple of 4: the float4 loop and the scalar tail both run
    private const double Tolerance = 1e-6;
    private readonly Accelerator _acc;

    public GpuEqualsCpuTests(GpuFixture fixture) => _acc = fixture.Accelerator;

    public static IEnumerable<object[]> Cases() =>
        Support.Names.SelectMany(n => new[] { new object[] { n, true }, new object[] { n, false } });

    /// <summary>One step on the GPU form: with the caller's gradient when the scheme takes one, else through the closure.</summary>
    private static void Step(IGpuOptimizer gpu, ArrayView<float> parameters, ArrayView<float> gradient, GpuGradientFunction function, bool callerGradient)
    {
        if (callerGradient && gpu is ISingleGradientGpuOptimizer single)
        {
            function(parameters, gradient);
            single.Step(parameters, gradient);
        }
        else
        {
            gpu.Step(parameters, function);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_GPU_form_equals_the_CPU_form_over_50_steps(string name, bool aligned)
    {
        var cpu = OptimizerRegistry.Create(name, N);
        using var gpu = GpuOptimizerRegistry.Create(name, _acc, N);
        Assert.Equal(cpu.Info.Name, gpu.Info.Name);
        var p = Support.Start(N);
        // Unaligned: the parameters start one float into the buffer, so every pass takes the scalar loop.
        using var buffer = _acc.Allocate1D<float>(N + 1);
        using var gradient = _acc.Allocate1D<float>(N);
        ArrayView<float> pv = ((ArrayView<float>)buffer.View).SubView(aligned ? 0 : 1, N);
        pv.CopyFromCPU(p);
        var function = Support.OnHost(N);

        for (int step = 1; step <= 50; step++)
        {
            cpu.Step(p, Support.Gradient);
            Step(gpu, pv, gradient.View, function, callerGradient: aligned);
            double difference = Support.RelativeDifference(Support.ToHost(pv), p);
            Assert.True(difference <= Tolerance, $"{name}: step {step}: GPU and CPU parameters differ by {difference:E3} (relative)");
        }
        Assert.Equal(cpu.StepCount, gpu.StepCount);

        var cpuIterate = new float[N];
        cpu.GetIterate(p, cpuIterate);
        using var iterate = _acc.Allocate1D<float>(N);
        gpu.GetIterate(pv, iterate.View);
        double d = Support.RelativeDifference(Support.ToHost(iterate.View), cpuIterate);
        Assert.True(d <= Tolerance, $"{name}: iterates differ by {d:E3}");
    }

    [Theory]
    [MemberData(nameof(Support.AllNames), MemberType = typeof(Support))]
    public void A_CPU_state_loads_on_the_GPU_and_continues_like_the_CPU(string name)
    {
        var cpu = OptimizerRegistry.Create(name, N);
        var p = Support.Start(N);
        var h = cpu.Info.Hyperparameters[0];
        ((ITrainingOptimizer)cpu).SetHyperparameter(h.Name, (float)h.DefaultValue * 0.5f);
        for (int s = 0; s < 7; s++) cpu.Step(p, Support.Gradient);
        var saved = Support.State(cpu);

        using var gpu = GpuOptimizerRegistry.Create(name, _acc, N);
        gpu.LoadState(new MemoryStream(saved));
        Assert.Equal((float)h.DefaultValue * 0.5f, gpu.GetHyperparameter(h.Name));
        Assert.Equal(cpu.StepCount, gpu.StepCount);
        Assert.Equal(saved, Support.State(gpu)); // the GPU form writes back exactly what it read

        using var buffer = _acc.Allocate1D<float>(N);
        buffer.View.CopyFromCPU(p);
        var function = Support.OnHost(N);
        for (int s = 0; s < 10; s++)
        {
            cpu.Step(p, Support.Gradient);
            gpu.Step(buffer.View, function);
        }
        double d = Support.RelativeDifference(Support.ToHost(buffer.View), p);
        Assert.True(d <= Tolerance, $"{name}: after CPU save, GPU load and 10 more steps the parameters differ by {d:E3}");
    }

    [Theory]
    [MemberData(nameof(Support.AllNames), MemberType = typeof(Support))]
    public void A_GPU_state_loads_on_the_CPU_and_continues_like_the_GPU(string name)
    {
        using var gpu = GpuOptimizerRegistry.Create(name, _acc, N);
        var h = gpu.Info.Hyperparameters[0];
        gpu.SetHyperparameter(h.Name, (float)h.DefaultValue * 0.5f);
        using var buffer = _acc.Allocate1D<float>(N);
        buffer.View.CopyFromCPU(Support.Start(N));
        var function = Support.OnHost(N);
        for (int s = 0; s < 7; s++) gpu.Step(buffer.View, function);
        var saved = Support.State(gpu);

        var cpu = OptimizerRegistry.Create(name, N);
        cpu.LoadState(new MemoryStream(saved));
        Assert.Equal((float)h.DefaultValue * 0.5f, ((ITrainingOptimizer)cpu).GetHyperparameter(h.Name));
        Assert.Equal(saved, Support.State(cpu));
        var p = Support.ToHost(buffer.View);
        for (int s = 0; s < 10; s++)
        {
            cpu.Step(p, Support.Gradient);
            gpu.Step(buffer.View, function);
        }
        double d = Support.RelativeDifference(Support.ToHost(buffer.View), p);
        Assert.True(d <= Tolerance, $"{name}: after GPU save, CPU load and 10 more steps the parameters differ by {d:E3}");
    }

    [Fact]
    public void Schedules_and_value_clipping_act_as_on_the_CPU()
    {
        const string name = "adam";
        var cpu = (ITrainingOptimizer)OptimizerRegistry.Create(name, N);
        using var gpu = GpuOptimizerRegistry.Create(name, _acc, N);
        foreach (var o in new object[] { cpu, gpu })
        {
            if (o is ITrainingOptimizer c) { c.SetSchedule("LearningRate", Schedule.Exponential(0.9)); c.GradientClipValue = 0.25; }
            if (o is IGpuOptimizer g) { g.SetSchedule("LearningRate", Schedule.Exponential(0.9)); g.GradientClipValue = 0.25; }
        }
        var p = Support.Start(N);
        using var buffer = _acc.Allocate1D<float>(N);
        buffer.View.CopyFromCPU(p);
        var function = Support.OnHost(N);
        for (int s = 0; s < 20; s++)
        {
            cpu.Step(p, Support.Gradient);
            gpu.Step(buffer.View, function);
        }
        double d = Support.RelativeDifference(Support.ToHost(buffer.View), p);
        Assert.True(d <= Tolerance, $"scheduled, clipped Adam differs by {d:E3}");
    }

    /// <summary>Flags switched during the run: the GPU kernels skip the arrays a flag leaves untouched (AMSGrad's maximum,
    /// the momentum buffer at momentum 0, RMSprop's centred average) and must pick them up, with the values they held,
    /// when the flag comes on again; the CPU form allocates them at that point.</summary>
    [Theory]
    [InlineData("adam", "Amsgrad")]
    [InlineData("adamw", "Amsgrad")]
    [InlineData("rmsprop", "Centered")]
    [InlineData("sgd", "Nesterov")]
    public void Flags_switched_on_and_off_mid_run_act_as_on_the_CPU(string name, string flag)
    {
        var cpu = OptimizerRegistry.Create(name, N);
        using var gpu = GpuOptimizerRegistry.Create(name, _acc, N);
        if (name == "sgd") foreach (var o in new object[] { cpu, gpu }) o.GetType().GetProperty("Momentum")!.SetValue(o, 0f);
        void Set(string property, object value)
        {
            cpu.GetType().GetProperty(property)!.SetValue(cpu, value);
            gpu.GetType().GetProperty(property)!.SetValue(gpu, value); // a flag is a bool on both forms
        }
        var p = Support.Start(N);
        using var buffer = _acc.Allocate1D<float>(N);
        buffer.View.CopyFromCPU(p);
        var function = Support.OnHost(N);
        for (int s = 1; s <= 30; s++)
        {
            if (s == 6) Set(flag, true);
            if (s == 6 && name == "sgd") Set("Momentum", 0.9f);
            if (s == 14) Set(flag, false);
            if (s == 22) Set(flag, true);
            cpu.Step(p, Support.Gradient);
            gpu.Step(buffer.View, function);
            double d = Support.RelativeDifference(Support.ToHost(buffer.View), p);
            Assert.True(d <= Tolerance, $"{name}: step {s} ({flag} switched at 6, 14, 22): GPU and CPU differ by {d:E3}");
        }
    }

    [Fact]
    public void Arrays_that_the_flags_leave_untouched_are_allocated_on_the_accelerator_only_when_a_step_needs_them()
    {
        using var adam = new OdeOpt.Optimizers.AdamGpu(_acc, N);
        using var sgd = new OdeOpt.Optimizers.SgdGpu(_acc, N) { Momentum = 0f };
        using var trapezoidal = new OdeOpt.Optimizers.ImexTrapezoidalAdamGpu(_acc, N);
        Assert.Equal(2, adam.AllocatedArrayCount);        // m, v: vmax waits for AMSGrad
        Assert.Equal(0, sgd.AllocatedArrayCount);         // no momentum buffer at momentum 0
        Assert.Equal(4, trapezoidal.AllocatedArrayCount); // no flags: all from the start
        using var buffer = _acc.Allocate1D(Support.Start(N));
        var function = Support.OnHost(N);
        adam.Step(buffer.View, function);
        Assert.Equal(2, adam.AllocatedArrayCount);
        adam.Amsgrad = true;
        adam.Step(buffer.View, function);
        Assert.Equal(3, adam.AllocatedArrayCount);
        sgd.Step(buffer.View, function);
        Assert.Equal(0, sgd.AllocatedArrayCount);
    }

    /// <summary>Norm clipping on the GPU: the norm from the reduction kernel scales the gradient as on the CPU
    /// (torch's clip_grad_norm_), one- and multi-gradient schemes, the clip active at every step.</summary>
    [Theory]
    [InlineData("adam")]
    [InlineData("gradient-flow-heun")]
    [InlineData("imex-trapezoidal-adam")]
    public void Norm_clipping_acts_as_on_the_CPU(string name)
    {
        var cpu = (ITrainingOptimizer)OptimizerRegistry.Create(name, N);
        using var gpu = GpuOptimizerRegistry.Create(name, _acc, N);
        cpu.GradientClipNorm = 0.5;
        gpu.GradientClipNorm = 0.5;
        var p = Support.Start(N);
        using var buffer = _acc.Allocate1D(p);
        var function = Support.OnHost(N);
        for (int s = 1; s <= 20; s++)
        {
            cpu.Step(p, Support.Gradient);
            gpu.Step(buffer.View, function);
            Assert.True(cpu.LastGradientNorm > 0.5, $"step {s}: the clip is not active (norm {cpu.LastGradientNorm})");
            Assert.Equal(cpu.LastGradientNorm, gpu.LastGradientNorm, 1e-9 * cpu.LastGradientNorm);
            double d = Support.RelativeDifference(Support.ToHost(buffer.View), p);
            Assert.True(d <= Tolerance, $"{name}: step {s}: norm-clipped GPU and CPU differ by {d:E3}");
        }
        // The norm is the gradient's: sqrt(sum g^2) of the last gradient evaluated, written out here.
        var g = new float[N];
        if (cpu.Info.GradientEvaluationsPerStep == 1)
        {
            var at = (float[])p.Clone();
            Support.Gradient(at, g);
            var probe = (ITrainingOptimizer)OptimizerRegistry.Create(name, N);
            probe.GradientClipNorm = 0.5;
            probe.Step(at, Support.Gradient);
            double norm = Math.Sqrt(g.Sum(x => (double)x * x));
            Assert.Equal(norm, probe.LastGradientNorm, 1e-9 * norm);
        }
    }

    [Fact]
    public void A_non_finite_gradient_is_skipped_or_rejected_as_on_the_CPU()
    {
        var cpu = (ITrainingOptimizer)OptimizerRegistry.Create("adam", N);
        using var gpu = GpuOptimizerRegistry.Create("adam", _acc, N);
        cpu.NonFiniteGradients = NonFiniteGradientPolicy.SkipStep;
        gpu.NonFiniteGradients = NonFiniteGradientPolicy.SkipStep;
        var p = Support.Start(N);
        using var buffer = _acc.Allocate1D(p);
        using var gradient = _acc.Allocate1D<float>(N);
        var g = new float[N];
        for (int s = 1; s <= 8; s++)
        {
            Support.Gradient(p, g);
            if (s == 4) g[N / 2] = float.NaN;
            gradient.CopyFromCPU(g);
            ((ISingleGradientOptimizer)cpu).Step(p, g);
            ((ISingleGradientGpuOptimizer)gpu).Step(buffer.View, gradient.View);
            Assert.Equal(cpu.StepCount, gpu.StepCount);
            double d = Support.RelativeDifference(Support.ToHost(buffer.View), p);
            Assert.True(d <= Tolerance, $"step {s}: GPU and CPU differ by {d:E3}");
        }
        Assert.Equal(1, cpu.SkippedSteps);
        Assert.Equal(1, gpu.SkippedSteps);
        Assert.Equal(7, gpu.StepCount);
        Assert.True(double.IsNaN(gpu.LastGradientNorm) == false && gpu.LastGradientNorm > 0);

        // Throw: nothing changes, on the accelerator either.
        gpu.NonFiniteGradients = NonFiniteGradientPolicy.Throw;
        var stateBefore = new MemoryStream();
        gpu.SaveState(stateBefore);
        var pBefore = Support.ToHost(buffer.View);
        g[0] = float.PositiveInfinity;
        gradient.CopyFromCPU(g);
        Assert.Throws<NotFiniteNumberException>(() => ((ISingleGradientGpuOptimizer)gpu).Step(buffer.View, gradient.View));
        var stateAfter = new MemoryStream();
        gpu.SaveState(stateAfter);
        Assert.Equal(stateBefore.ToArray(), stateAfter.ToArray());
        Assert.Equal(pBefore, Support.ToHost(buffer.View));
        Assert.Throws<ArgumentOutOfRangeException>(() => gpu.GradientClipNorm = 0);
    }
}
