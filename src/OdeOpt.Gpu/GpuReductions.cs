using System;
using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;

namespace OdeOpt.Gpu;

/// <summary>The sum of squares of a gradient on the accelerator, for norm clipping and the non-finite check: every
/// thread accumulates a grid-stride share in double, each group reduces its threads' sums in shared memory (a fixed
/// tree), and the host adds the groups' partial sums in order. Deterministic for a given accelerator and launch.</summary>
internal static class GpuReductions
{
    /// <summary>The largest group the kernel reduces (its shared memory).</summary>
    public const int MaxGroupSize = 256;

    /// <summary>Groups launched (at most): the partial sums the host adds.</summary>
    public const int MaxGroups = 1024;

    private static readonly ConditionalWeakTable<Accelerator, Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<double>>> s_kernels = new();
    private static readonly object s_lock = new();

    private static void SumOfSquaresKernel(ArrayView<float> x, ArrayView<double> partials)
    {
        var shared = SharedMemory.Allocate<double>(MaxGroupSize);
        int thread = Group.IdxX;
        int length = (int)x.Length;
        double sum = 0;
        for (int i = Grid.GlobalIndex.X; i < length; i += Grid.DimX * Group.DimX)
        {
            double v = x[i];
            sum += v * v;
        }
        shared[thread] = sum;
        Group.Barrier();
        for (int half = Group.DimX / 2; half > 0; half /= 2)
        {
            if (thread < half) shared[thread] += shared[thread + half];
            Group.Barrier();
        }
        if (thread == 0) partials[Grid.IdxX] = shared[0];
    }

    private static readonly ConditionalWeakTable<Accelerator, Action<AcceleratorStream, KernelConfig, ArrayView<ushort>, ArrayView<double>>> s_kernels16 = new();

    /// <summary>The same over a bfloat16 gradient (the bfloat16 parameter step), each element widened.</summary>
    private static void SumOfSquaresKernel16(ArrayView<ushort> x, ArrayView<double> partials)
    {
        var shared = SharedMemory.Allocate<double>(MaxGroupSize);
        int thread = Group.IdxX;
        int length = (int)x.Length;
        double sum = 0;
        for (int i = Grid.GlobalIndex.X; i < length; i += Grid.DimX * Group.DimX)
        {
            double v = GpuMath.BFloat16ToSingle(x[i]);
            sum += v * v;
        }
        shared[thread] = sum;
        Group.Barrier();
        for (int half = Group.DimX / 2; half > 0; half /= 2)
        {
            if (thread < half) shared[thread] += shared[thread + half];
            Group.Barrier();
        }
        if (thread == 0) partials[Grid.IdxX] = shared[0];
    }

    /// <summary>Sum of the squares of the widened bfloat16 values of <paramref name="x"/>, queued and waited for.</summary>
    public static double SumOfSquares(Accelerator accelerator, AcceleratorStream stream, ArrayView<ushort> x, MemoryBuffer1D<double, Stride1D.Dense> partials, double[] host)
    {
        Action<AcceleratorStream, KernelConfig, ArrayView<ushort>, ArrayView<double>> kernel;
        lock (s_lock)
        {
            if (!s_kernels16.TryGetValue(accelerator, out kernel!))
            {
                kernel = accelerator.LoadKernel<ArrayView<ushort>, ArrayView<double>>(SumOfSquaresKernel16);
                s_kernels16.AddOrUpdate(accelerator, kernel);
            }
        }
        var config = Configuration(accelerator, x.Length);
        kernel(stream, config, x, partials.View);
        return Combine(stream, config, partials, host);
    }

    private static Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<double>> Kernel(Accelerator accelerator)
    {
        lock (s_lock)
        {
            if (s_kernels.TryGetValue(accelerator, out var kernel)) return kernel;
            kernel = accelerator.LoadKernel<ArrayView<float>, ArrayView<double>>(SumOfSquaresKernel);
            s_kernels.AddOrUpdate(accelerator, kernel);
            return kernel;
        }
    }

    /// <summary>The launch: a power-of-two group (the tree needs one) no larger than the accelerator allows.</summary>
    public static KernelConfig Configuration(Accelerator accelerator, long length)
    {
        int group = 1;
        while (group * 2 <= Math.Min(MaxGroupSize, accelerator.MaxNumThreadsPerGroup)) group *= 2;
        long groups = Math.Clamp((length + group - 1) / group, 1, Math.Min(MaxGroups, Math.Max(1, accelerator.NumMultiprocessors) * 4L));
        return new KernelConfig((int)groups, group);
    }

    /// <summary>Sum of x_i^2 over <paramref name="x"/>, queued on <paramref name="stream"/> and waited for.</summary>
    public static double SumOfSquares(Accelerator accelerator, AcceleratorStream stream, ArrayView<float> x, MemoryBuffer1D<double, Stride1D.Dense> partials, double[] host)
    {
        var config = Configuration(accelerator, x.Length);
        Kernel(accelerator)(stream, config, x, partials.View);
        return Combine(stream, config, partials, host);
    }

    /// <summary>Waits for the partial sums of the groups and adds them in order.</summary>
    private static double Combine(AcceleratorStream stream, KernelConfig config, MemoryBuffer1D<double, Stride1D.Dense> partials, double[] host)
    {
        stream.Synchronize();
        partials.View.SubView(0, config.GridDim.X).CopyToCPU(stream, host.AsSpan(0, config.GridDim.X));
        stream.Synchronize();
        double sum = 0;
        for (int b = 0; b < config.GridDim.X; b++) sum += host[b]; // fixed order
        return sum;
    }
}
