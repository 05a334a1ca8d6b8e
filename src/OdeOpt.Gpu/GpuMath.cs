using System.ComponentModel;
using System.Runtime.CompilerServices;
using ILGPU;

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

    // 16-bit state storage ([StateStorage]): the bit manipulations of OdeOpt.Runtime.BFloat16 and HalfFloat, written with
    // ILGPU's Interop bit casts, so that a GPU form stores the same bits as the CPU form.

    /// <summary>The float a bfloat16 stands for (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float BFloat16ToSingle(ushort bits) => Interop.IntAsFloat((uint)bits << 16);

    /// <summary>The nearest bfloat16, ties to even; NaN quiet (as <see cref="OdeOpt.Runtime.BFloat16.FromSingle"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort SingleToBFloat16(float value)
    {
        uint bits = Interop.FloatAsInt(value);
        return (bits & 0x7FFF_FFFFu) > 0x7F80_0000u ? (ushort)((bits >> 16) | 0x0040u) : (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
    }

    /// <summary>The float an IEEE binary16 stands for (exact, as <see cref="OdeOpt.Runtime.HalfFloat.ToSingle"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HalfToSingle(ushort h)
    {
        uint o = ((uint)h & 0x7FFFu) << 13;
        uint exponent = o & (0x7C00u << 13);
        o += 112u << 23;
        if (exponent == 0x7C00u << 13) o += 112u << 23;
        else if (exponent == 0) o = Interop.FloatAsInt(Interop.IntAsFloat(o + (1u << 23)) - Interop.IntAsFloat(113u << 23));
        return Interop.IntAsFloat(o | ((uint)h & 0x8000u) << 16);
    }

    /// <summary>The nearest IEEE binary16, ties to even, beyond 65504 infinity, NaN the quiet NaN of the same sign (as
    /// <see cref="OdeOpt.Runtime.HalfFloat.FromSingle"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort SingleToHalf(float value)
    {
        uint f = Interop.FloatAsInt(value);
        uint sign = f & 0x8000_0000u, a = f ^ sign, o;
        if (a >= 143u << 23) o = a > 0x7F80_0000u ? 0x7E00u : 0x7C00u;
        else if (a < 113u << 23) o = Interop.FloatAsInt(Interop.IntAsFloat(a) + 0.5f) - (126u << 23);
        else o = (a + 0xC800_0FFFu + ((a >> 13) & 1u)) >> 13;
        return (ushort)(o | sign >> 16);
    }

    /// <summary>The random bits of element <paramref name="index"/> under a step key, as
    /// <see cref="OdeOpt.Runtime.CounterRandom.ElementBits(uint, uint, uint)"/>: lowbias32(index ^ k0) ^ k1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint ElementBits(uint key0, uint key1, uint index)
    {
        uint x = index ^ key0;
        x ^= x >> 16;
        x *= 0x7FEB_352Du;
        x ^= x >> 15;
        x *= 0x846C_A68Bu;
        return x ^ (x >> 16) ^ key1;
    }

    /// <summary>Stochastic rounding to bfloat16 of element <paramref name="index"/> under a step key, as the CPU form's
    /// (<see cref="OdeOpt.Runtime.CounterRandom.StochasticBFloat16"/>): NaN quiet, an infinity kept.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort StochasticBFloat16(float value, uint key0, uint key1, uint index)
    {
        uint bits = Interop.FloatAsInt(value);
        return (bits & 0x7FFF_FFFFu) > 0x7F80_0000u ? (ushort)((bits >> 16) | 0x0040u) : (ushort)((bits + (ElementBits(key0, key1, index) & 0xFFFFu)) >> 16);
    }
}
