// The launch settings of every GPU optimizer in the process, and the scalars each generated kernel takes.
using System;
using System.ComponentModel;
using System.Runtime.InteropServices;

namespace OdeOpt.Gpu;

/// <summary>The scalars every generated kernel takes besides its views and uniforms (emitted code only).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[StructLayout(LayoutKind.Sequential)]
public struct GpuPassArguments
{
    /// <summary>The float4 groups the vector loop covers (0 when a buffer is not 16-byte aligned).</summary>
    public int VectorCount;
    /// <summary>The number of parameters.</summary>
    public int Length;
    /// <summary>The factor the gradient is multiplied by (1: no norm clipping).</summary>
    public float GradientScale;
    /// <summary>Every gradient component is clamped to [-GradientLimit, GradientLimit] (+infinity: no clipping).</summary>
    public float GradientLimit;
    /// <summary>The index of the segment's first element in the whole buffer (the stochastic rounding of a bfloat16
    /// parameter step draws by absolute index).</summary>
    public int Offset;
    /// <summary>The stochastic rounding key of the step (bfloat16 parameter steps; OdeOpt.Runtime.CounterRandom.StepKey).</summary>
    public uint RoundingKey0;
    /// <summary>The second half of the key.</summary>
    public uint RoundingKey1;
}

/// <summary>Launch settings of the GPU kernels, for every GPU optimizer in the process.</summary>
public static class GpuKernelSettings
{
    private static int s_groupSize = 256;
    private static int s_groupsPerMultiprocessor = 2;

    /// <summary>Threads per group (default 256; clamped to the accelerator's maximum).</summary>
    public static int GroupSize
    {
        get => s_groupSize;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            s_groupSize = value;
        }
    }

    /// <summary>Groups per multiprocessor of the grid-stride launch (default 2); 0 fills every multiprocessor once
    /// (its maximum resident threads / <see cref="GroupSize"/>). On an H100, 2 groups of 256 threads per multiprocessor
    /// moved 2-4% more bytes per second than a full one from 16M parameters on (docs/benchmarks.md).</summary>
    public static int GroupsPerMultiprocessor
    {
        get => s_groupsPerMultiprocessor;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            s_groupsPerMultiprocessor = value;
        }
    }

    /// <summary>Whether kernels read and write float4 groups when every buffer is 16-byte aligned (default true).</summary>
    public static bool VectorAccess { get; set; } = true;
}
