// bfloat16 storage (issue 18, part 2: fewer bytes per parameter): a bfloat16 is the upper 16 bits of a float (sign, the
// 8 exponent bits, 7 mantissa bits). .NET 10 has no such type, so values are stored as ushort. Widening is exact (a
// shift); narrowing rounds to nearest, ties to even, with integer arithmetic on the float's bits:
//   r = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
// which is IEEE round-to-nearest-even at 8 significant bits for every finite float (subnormals included; values at or
// beyond the largest bfloat16 plus half an ulp become infinity), and a NaN becomes a quiet NaN of the same sign.
// The span forms run in 512-, 256- or 128-bit vectors, whichever is accelerated, and give the same bits as the scalar.
using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace OdeOpt.Runtime;

/// <summary>bfloat16 conversions for state and parameter storage: round to nearest even, bit-exact between the scalar
/// and the vector forms.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class BFloat16
{
    /// <summary>The float a bfloat16 stands for: its bits as the upper half of a float (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>The bfloat16 nearest to <paramref name="value"/>, ties to even; NaN stays NaN (quiet, same sign).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort FromSingle(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if ((bits & 0x7FFF_FFFFu) > 0x7F80_0000u) return (ushort)((bits >> 16) | 0x0040u);
        return (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
    }

    /// <summary>Narrows <paramref name="source"/> into <paramref name="destination"/> (same length), element by element as
    /// <see cref="FromSingle"/>.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Narrow(ReadOnlySpan<float> source, Span<ushort> destination) => SixteenBit.Narrow<BFloat16Format>(source, destination);

    /// <summary>Widens <paramref name="source"/> into <paramref name="destination"/> (same length), exactly.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Widen(ReadOnlySpan<ushort> source, Span<float> destination) => SixteenBit.Widen<BFloat16Format>(source, destination);

    /// <summary>The rounded upper halves, still in 32-bit lanes (the caller narrows): NaN lanes quieted.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<uint> Round(Vector512<uint> bits)
    {
        var rounded = Vector512.ShiftRightLogical(bits + Vector512.Create(0x7FFFu) + (Vector512.ShiftRightLogical(bits, 16) & Vector512<uint>.One), 16);
        var nan = Vector512.GreaterThan(bits & Vector512.Create(0x7FFF_FFFFu), Vector512.Create(0x7F80_0000u));
        return Vector512.ConditionalSelect(nan, Vector512.ShiftRightLogical(bits, 16) | Vector512.Create(0x0040u), rounded);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<uint> Round(Vector256<uint> bits)
    {
        var rounded = Vector256.ShiftRightLogical(bits + Vector256.Create(0x7FFFu) + (Vector256.ShiftRightLogical(bits, 16) & Vector256<uint>.One), 16);
        var nan = Vector256.GreaterThan(bits & Vector256.Create(0x7FFF_FFFFu), Vector256.Create(0x7F80_0000u));
        return Vector256.ConditionalSelect(nan, Vector256.ShiftRightLogical(bits, 16) | Vector256.Create(0x0040u), rounded);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<uint> Round(Vector128<uint> bits)
    {
        var rounded = Vector128.ShiftRightLogical(bits + Vector128.Create(0x7FFFu) + (Vector128.ShiftRightLogical(bits, 16) & Vector128<uint>.One), 16);
        var nan = Vector128.GreaterThan(bits & Vector128.Create(0x7FFF_FFFFu), Vector128.Create(0x7F80_0000u));
        return Vector128.ConditionalSelect(nan, Vector128.ShiftRightLogical(bits, 16) | Vector128.Create(0x0040u), rounded);
    }
}
