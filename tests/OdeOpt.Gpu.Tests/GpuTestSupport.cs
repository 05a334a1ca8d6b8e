using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using Xunit;

namespace OdeOpt.Gpu.Tests;

/// <summary>One ILGPU context with two CPU accelerators (CI has no GPU), shared by every GPU test.</summary>
public sealed class GpuFixture : IDisposable
{
    public GpuFixture()
    {
        Context = Context.Create(b => b.CPU().EnableAlgorithms());
        Accelerator = Context.CreateCPUAccelerator(0);
        Other = Context.CreateCPUAccelerator(0);
    }

    public Context Context { get; }

    /// <summary>The accelerator the optimizers live on.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>Another accelerator, whose views every optimizer must refuse.</summary>
    public Accelerator Other { get; }

    public void Dispose()
    {
        Other.Dispose();
        Accelerator.Dispose();
        Context.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class GpuCollection : ICollectionFixture<GpuFixture>
{
    public const string Name = "GPU (ILGPU CPU accelerator)";
}

public static class Support
{
    /// <summary>Every built-in optimizer (its GPU form comes from OdeOpt's plan metadata, compiled into OdeOpt.Gpu),
    /// whatever the catalog holds when the tests run.</summary>
    public static readonly string[] BuiltIns = OptimizerRegistry.All
        .Where(i => i.OptimizerType.Assembly == typeof(OdeOpt.Optimizers.Adam).Assembly)
        .Where(i => i.StepControl == StepControl.None && i.ImplicitGradientStages.Count == 0) // staged steps have no GPU form yet
        .Select(i => i.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray();

    /// <summary>Every optimizer the tests run: the built-ins and the ones declared in this project (GPU forms from the
    /// same compilation).</summary>
    public static readonly string[] Names = BuiltIns.Concat(new[]
    {
        "gpu-test-torch-momentum", "gpu-test-rk4", "gpu-test-imex-midpoint-adam", "gpu-test-look-ahead-momentum",
        "gpu-test-unbiased-adam-trapezoidal", "gpu-test-clipped-sign-momentum", "gpu-test-reductions-heun",
        "gpu-test-adam-bf16-states", "gpu-test-adam-half-m-bf16-v",
    }).ToArray();

    public static IEnumerable<object[]> AllNames() => Names.Select(n => new object[] { n });

    /// <summary>A smooth test gradient, different per element.</summary>
    public static void Gradient(ReadOnlySpan<float> x, Span<float> g)
    {
        for (int i = 0; i < x.Length; i++) g[i] = (1 + i % 7) * 0.1f * (x[i] - 0.5f) + 0.01f * MathF.Sin(x[i]) + (i % 3 == 0 ? 0.3f : -0.2f);
    }

    public static float[] Start(int n) => Enumerable.Range(0, n).Select(i => MathF.Cos(i * 0.37f) * 2).ToArray();

    /// <summary>The same gradient for the GPU form: through host memory.</summary>
    public static GpuGradientFunction OnHost(int n)
    {
        var x = new float[n];
        var g = new float[n];
        return (p, gr) =>
        {
            p.CopyToCPU(x);
            Gradient(x, g);
            gr.CopyFromCPU(g);
        };
    }

    public static float[] ToHost(ArrayView<float> view)
    {
        var host = new float[view.Length];
        view.CopyToCPU(host);
        return host;
    }

    /// <summary>max |a - b| / max |b| (normwise relative difference).</summary>
    public static double RelativeDifference(float[] a, float[] b)
    {
        double diff = 0, scale = 0;
        for (int i = 0; i < a.Length; i++)
        {
            diff = Math.Max(diff, Math.Abs((double)a[i] - b[i]));
            scale = Math.Max(scale, Math.Abs((double)b[i]));
        }
        return double.IsNaN(diff) ? double.NaN : diff / Math.Max(scale, double.Epsilon);
    }

    public static byte[] State(IOptimizer optimizer)
    {
        var ms = new MemoryStream();
        optimizer.SaveState(ms);
        return ms.ToArray();
    }

    public static byte[] State(IGpuOptimizer optimizer)
    {
        var ms = new MemoryStream();
        optimizer.SaveState(ms);
        return ms.ToArray();
    }
}
