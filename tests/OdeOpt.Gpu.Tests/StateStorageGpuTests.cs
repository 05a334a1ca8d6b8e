// [StateStorage] on the GPU form (issue 18, part 2): the kernels read 16-bit state arrays four elements per 8-byte load
// (or one at a time in the scalar loop) and round them with the CPU form's bit manipulations, so the GPU form's states
// are the CPU form's, bit for bit, and a checkpoint moves between the forms unchanged.
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

        // The stored moments are 16-bit values: every m and v in the checkpoint survives rounding to its storage.
        var info = cpu.Info;
        int end = gpuState.Length - 4;
        for (int k = 0; k < 2; k++)
        {
            bool half = info.HalfStateVariables.Contains(k == 0 ? "m" : "v");
            for (int i = 0; i < N; i++)
            {
                float x = BitConverter.ToSingle(gpuState, end - (2 - k) * 4 * N + 4 * i);
                float rounded = half ? HalfFloat.ToSingle(HalfFloat.FromSingle(x)) : BFloat16.ToSingle(BFloat16.FromSingle(x));
                Assert.True(BitConverter.SingleToUInt32Bits(x) == BitConverter.SingleToUInt32Bits(rounded), $"{name}: state {k} element {i} = {x:R} is not a {(half ? "binary16" : "bfloat16")} value");
            }
        }
    }
}
