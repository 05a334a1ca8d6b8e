// [StateStorage] on the GPU form (issue 18, part 2): the kernels read 16-bit state arrays four elements per 8-byte load
// (or one at a time in the scalar loop) and round them with the CPU form's bit manipulations, so the GPU form's states
// are the CPU form's, bit for bit, and a checkpoint moves between the forms unchanged. The bfloat16 parameter step
// ([ParameterStorage]) rounds theta stochastically with the CPU form's bits.
using System;
using System.Linq;
using ILGPU;
using ILGPU.Runtime;
using OdeOpt.Runtime;
using Xunit;

namespace OdeOpt.Gpu.Tests;

[Collection(GpuCollection.Name)]
public class StateStorageGpuTests
{
    private const int N = 1031; // not a multiple of 4: the vector loop and the scalar tail both run
    private readonly Accelerator _acc;

    public StateStorageGpuTests(GpuFixture fixture) => _acc = fixture.Accelerator;

    [Theory]
    [InlineData("gpu-test-adam-bf16-states", true)]
    [InlineData("gpu-test-adam-bf16-states", false)]
    [InlineData("gpu-test-adam-half-m-bf16-v", true)]
    [InlineData("gpu-test-adam-half-m-bf16-v", false)]
    public void The_GPU_form_stores_the_CPU_forms_16_bit_states_bit_for_bit(string name, bool aligned)
    {
        var cpu = OptimizerRegistry.Create(name, N);
        using var gpu = GpuOptimizerRegistry.Create(name, _acc, N);
        Assert.Equal(20, gpu.Info.BytesPerParameterPerStep);
        var p = Support.Start(N);
        // Unaligned: the parameters start one float into the buffer, so every pass takes the scalar loop.
        using var buffer = _acc.Allocate1D<float>(N + 1);
        ArrayView<float> pv = ((ArrayView<float>)buffer.View).SubView(aligned ? 0 : 1, N);
        pv.CopyFromCPU(p);
        var function = Support.OnHost(N);
        for (int step = 1; step <= 20; step++)
        {
            cpu.Step(p, Support.Gradient);
            gpu.Step(pv, function);
        }
        var cpuState = Support.State(cpu);
        var gpuState = Support.State(gpu);
        Assert.Equal(cpuState.Length, gpuState.Length);
        int differing = Enumerable.Range(0, cpuState.Length).Count(i => cpuState[i] != gpuState[i]);
        Assert.True(differing == 0, $"{name}: {differing} checkpoint bytes differ between the GPU and CPU forms");
        Assert.Equal(p, Support.ToHost(pv));

        var info = cpu.Info;
        // The checkpoint (format 4) records each array's storage and keeps a 16-bit array in 2 bytes per element.
        Assert.Equal(4, BitConverter.ToInt32(gpuState, 8));
        int data = gpuState.Length - 4 - 2 * 2 * N;
        var storage = gpuState.AsSpan(data - 2, 2).ToArray();
        Assert.Equal(new byte[] { info.HalfStateVariables.Contains("m") ? (byte)2 : (byte)1, 1 }, storage);
    }

    /// <summary>The bfloat16 parameter step ([ParameterStorage]) of the built-in adam-bf16 (GPU form from plan metadata)
    /// and of a declaration of this project: the same parameter bits and checkpoint as the CPU form for the same seed,
    /// through the 8-byte vector loop and the scalar one, with norm clipping (a reduction over the bfloat16 gradient).</summary>
    [Theory]
    [InlineData("adam-bf16", true, false)]
    [InlineData("adam-bf16", false, true)]
    [InlineData("gpu-test-adam-bf16-parameters", true, true)]
    [InlineData("gpu-test-adam-bf16-parameters", false, false)]
    public void The_GPU_bfloat16_parameter_step_equals_the_CPU_forms_bit_for_bit(string name, bool aligned, bool clipNorm)
    {
        var cpu = (IBFloat16ParameterOptimizer)OptimizerRegistry.Create(name, N);
        using var gpu = (IBFloat16ParameterGpuOptimizer)GpuOptimizerRegistry.Create(name, _acc, N);
        cpu.StochasticRoundingSeed = gpu.StochasticRoundingSeed = 99;
        ((ITrainingOptimizer)cpu).SetHyperparameter("LearningRate", 0.01f);
        gpu.SetHyperparameter("LearningRate", 0.01f);
        if (clipNorm) { ((ITrainingOptimizer)cpu).GradientClipNorm = 3; gpu.GradientClipNorm = 3; }
        var p16 = Support.Start(N).Select(BFloat16.FromSingle).ToArray();
        // Unaligned: the views start one element into their buffers, so every pass takes the scalar loop.
        using var pBuffer = _acc.Allocate1D<ushort>(N + 1);
        using var gBuffer = _acc.Allocate1D<ushort>(N + 1);
        var pv = ((ArrayView<ushort>)pBuffer.View).SubView(aligned ? 0 : 1, N);
        var gv = ((ArrayView<ushort>)gBuffer.View).SubView(aligned ? 0 : 1, N);
        pv.CopyFromCPU(p16);
        var wide = new float[N];
        var g = new float[N];
        var g16 = new ushort[N];
        for (int step = 1; step <= 20; step++)
        {
            BFloat16.Widen(p16, wide);
            Support.Gradient(wide, g);
            BFloat16.Narrow(g, g16);
            gv.CopyFromCPU(g16);
            cpu.Step(p16, g16);
            gpu.Step(pv, gv);
            gpu.Stream.Synchronize();
            var back = new ushort[N];
            pv.CopyToCPU(back);
            int differing = Enumerable.Range(0, N).Count(i => back[i] != p16[i]);
            Assert.True(differing == 0, $"{name}: step {step}: {differing} bfloat16 parameters differ between the GPU and CPU forms");
        }
        Assert.Equal(Support.State(cpu), Support.State(gpu));
        Assert.Equal(cpu.Info.BFloat16ParameterBytesPerParameterPerStep, gpu.Info.BFloat16ParameterBytesPerParameterPerStep);
    }

    [Fact]
    public void Bad_bfloat16_views_throw_before_anything_changes()
    {
        using var gpu = (IBFloat16ParameterGpuOptimizer)GpuOptimizerRegistry.Create("adam-bf16", _acc, N);
        using var a = _acc.Allocate1D<ushort>(N);
        using var b = _acc.Allocate1D<ushort>(N + 1);
        var state = Support.State(gpu);
        Assert.Throws<ArgumentException>(() => gpu.Step(a.View, b.View));
        Assert.Throws<ArgumentException>(() => gpu.Step(a.View, a.View));
        Assert.Throws<ArgumentException>(() => gpu.Step(default, a.View));
        Assert.Equal(0, gpu.StepCount);
        Assert.Equal(state, Support.State(gpu));
    }
}
