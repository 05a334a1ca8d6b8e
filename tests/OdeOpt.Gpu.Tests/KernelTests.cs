using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using OdeOpt.Optimizers;
using Xunit;

namespace OdeOpt.Gpu.Tests;

/// <summary>The generated kernels themselves: registered, cached per accelerator, and compilable for CUDA (checked
/// without a GPU through ILGPU's PTX backend, since the CPU accelerator accepts constructs PTX does not).</summary>
[Collection(GpuCollection.Name)]
public class KernelTests
{
    private readonly GpuFixture _fixture;

    public KernelTests(GpuFixture fixture) => _fixture = fixture;

    [Fact]
    public void Every_optimizer_has_a_registered_GPU_form_named_after_it()
    {
        Assert.Contains("adam", Support.BuiltIns);
        Assert.Contains("imex-trapezoidal-adam", Support.BuiltIns);
        Assert.Contains("sgd", Support.BuiltIns);
        foreach (var name in Support.Names) Assert.Contains(name, GpuOptimizerRegistry.Names);
        Assert.Equal(typeof(AdamGpu), GpuOptimizerRegistry.GetGpuType(typeof(Adam)));
        Assert.Equal(typeof(ImexTrapezoidalAdamGpu), GpuOptimizerRegistry.GetGpuType(typeof(ImexTrapezoidalAdam)));
        Assert.Equal(typeof(SgdGpu), GpuOptimizerRegistry.GetGpuType(typeof(Sgd)));
        Assert.Equal(typeof(Rk4GradientFlowGpu), GpuOptimizerRegistry.GetGpuType(typeof(Rk4GradientFlow)));
        // The built-ins' GPU forms live in OdeOpt.Gpu; this project's in this project.
        Assert.Equal(typeof(GpuOptimizerCore<,>).Assembly, typeof(AdamGpu).Assembly);
        Assert.Equal(typeof(KernelTests).Assembly, typeof(TorchMomentumGpu).Assembly);
        // One gradient per step: the caller-gradient form; several: the closure form only.
        Assert.IsAssignableFrom<ISingleGradientGpuOptimizer>(new AdamGpu(_fixture.Accelerator, 8));
        Assert.False(typeof(ISingleGradientGpuOptimizer).IsAssignableFrom(typeof(Rk4GradientFlowGpu)));
        Assert.Same(Adam.StaticInfo, AdamGpu.StaticInfo);
    }

    [Fact]
    public void Kernels_are_loaded_once_per_accelerator()
    {
        static object Launchers(IGpuOptimizer o) =>
            o.GetType().BaseType!.GetField("_launchers", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(o)!;
        using var a = new AdamGpu(_fixture.Accelerator, 16);
        using var b = new AdamGpu(_fixture.Accelerator, 32);
        using var c = new AdamGpu(_fixture.Other, 16);
        Assert.Same(Launchers(a), Launchers(b));
        Assert.NotSame(Launchers(a), Launchers(c));
    }

    [Theory]
    [InlineData("backward-euler-gradient-flow", "solved by iteration")]
    [InlineData("adaptive-bs3-gradient-flow", "step-size controller")]
    [InlineData("armijo-gradient-descent", "step-size controller")]
    public void A_staged_optimizer_has_no_GPU_form_and_says_why(string name, string reason)
    {
        Assert.DoesNotContain(name, GpuOptimizerRegistry.Names);
        Assert.Null(GpuOptimizerRegistry.GetGpuType(OptimizerRegistry.GetInfo(name).OptimizerType));
        var e = Assert.Throws<NotSupportedException>(() => GpuOptimizerRegistry.Create(name, _fixture.Accelerator, 8));
        Assert.Contains(reason, e.Message);
        Assert.Contains("CPU form", e.Message);
    }

    public static IEnumerable<object[]> GpuTypes() =>
        Support.Names.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(GpuTypes))]
    public void Every_kernel_compiles_to_PTX_with_float4_accesses_and_no_external_calls(string name)
    {
        var cpuType = OptimizerRegistry.GetInfo(name).OptimizerType;
        var gpuType = GpuOptimizerRegistry.GetGpuType(cpuType)!;
        var kernels = gpuType.GetMethods(BindingFlags.NonPublic | BindingFlags.Static).Where(m => m.Name.EndsWith("Kernel", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(kernels);
        // A fresh context per optimizer: one failed compile poisons an ILGPU context.
        using var context = Context.Create(b => b.Cuda().EnableAlgorithms().Optimize(OptimizationLevel.O2));
        using var backend = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_90), CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, null);
        foreach (var kernel in kernels)
        {
            var compiled = (PTXCompiledKernel)backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(kernel), default);
            string ptx = compiled.PTXAssembly;
            Assert.DoesNotContain(".extern", ptx);
            if (kernel.Name.EndsWith("ReduceKernel", StringComparison.Ordinal))
            {
                // A [Reduction] kernel: strided scalar reads (one thread per block and residue mod 4, as the CPU form's
                // partial sums), double accumulation, one partial sum stored per term.
                Assert.Contains("ld.global.f32", ptx);
                Assert.Contains("st.global.f64", ptx);
            }
            else
            {
                // A kernel that reads memory reads it as float4 (an [Initial] pass may only write); 16-bit buffers
                // ([StateStorage], [ParameterStorage]) travel four elements per 64-bit access.
                bool sixteenBit = ptx.Contains("ld.global.u16", StringComparison.Ordinal) || ptx.Contains("ld.global.b16", StringComparison.Ordinal);
                if (ptx.Contains("ld.global.f32", StringComparison.Ordinal)) Assert.Contains("ld.global.v4.f32", ptx);
                if (sixteenBit) Assert.Matches(@"ld\.global\.[ub]64", ptx);
                if (sixteenBit) Assert.Matches(@"st\.global\.[ub]64", ptx);
                else Assert.Contains("st.global.v4.f32", ptx);
            }
            Assert.DoesNotContain("call", ptx.Split('\n').Where(l => !l.TrimStart().StartsWith("//", StringComparison.Ordinal)).Select(l => l.Trim()).Where(l => l.StartsWith("call", StringComparison.Ordinal)));
        }
    }

    /// <summary>The gradient-norm reduction (norm clipping, non-finite check) compiles for a real GPU: shared memory,
    /// group barriers, double accumulation, no external calls.</summary>
    [Fact]
    public void The_norm_reduction_compiles_to_PTX_with_shared_memory_and_barriers()
    {
        var kernel = typeof(GpuReductions).GetMethod("SumOfSquaresKernel", BindingFlags.NonPublic | BindingFlags.Static)!;
        using var context = Context.Create(b => b.Cuda().EnableAlgorithms().Optimize(OptimizationLevel.O2));
        using var backend = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_90), CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, null);
        string ptx = ((PTXCompiledKernel)backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(kernel), default)).PTXAssembly;
        Assert.DoesNotContain(".extern", ptx);
        Assert.Contains(".shared", ptx);
        Assert.Contains("bar.sync", ptx);
        Assert.Contains(".f64", ptx);
    }
}
