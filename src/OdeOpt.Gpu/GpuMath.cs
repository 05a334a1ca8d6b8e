using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace OdeOpt.Gpu;

/// <summary>
/// Scalar math for generated kernels with the CPU form's semantics on every ILGPU backend: <see cref="Max"/> and
/// <see cref="Min"/> propagate NaN and order -0 below +0 like <see cref="System.MathF.Max(float, float)"/> (PTX max.f32
/// returns the other operand for NaN); <see cref="Sign"/> returns NaN for NaN instead of throwing (which ILGPU cannot
/// compile); <see cref="FusedMultiplyAdd"/> is a * b + c, which the PTX assembler contracts into one fma.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class GpuMath
{
#pragma warning disable CS1718 // x != x is the NaN test, written out so that every ILGPU backend compiles it as such
    /// <summary>The larger of a and b; NaN when either is NaN; +0 for (+0, -0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Max(float a, float b) => a != a || b != b ? a + b : a > b ? a : a < b ? b : a == 0f ? a + b : a;

    /// <summary>The smaller of a and b; NaN when either is NaN; -0 for (+0, -0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Min(float a, float b) => a != a || b != b ? a + b : a < b ? a : a > b ? b : a == 0f ? -(-a - b) : a;

#pragma warning restore CS1718

    /// <summary>-1, 0 or 1; NaN for NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sign(float x) => x > 0f ? 1f : x < 0f ? -1f : x == 0f ? 0f : x;

    /// <summary>a * b + c (contracted to one fused multiply-add by the PTX assembler; two roundings on the CPU accelerator).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float FusedMultiplyAdd(float a, float b, float c) => a * b + c;

    /// <summary>The gradient as a pass uses it: scaled (norm clipping) and clamped to [-limit, limit] (value clipping),
    /// NaN kept.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ClipGradient(float g, float scale, float limit) => Min(Max(g * scale, -limit), limit);
}
