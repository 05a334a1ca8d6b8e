// IEEE binary16 storage (issue 18, part 2): 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits; largest finite
// 65504, smallest normal 2^-14, smallest subnormal 2^-24. System.Half converts one value at a time; a fused loop needs
// whole vectors, so both directions are written here in integer (and one float) vector operations, after F. Giesen,
// "half <-> float conversions" (2016), with one scalar form that gives the same bits:
//   widen:  o = (h & 0x7FFF) << 13, rebiased by (127 - 15) << 23; exponent 31 (Inf/NaN) rebiased once more to 255;
//           exponent 0 (zero, subnormal) renormalised exactly by one float subtraction (o + 2^23 - 2^-14 as floats).
//   narrow: |f| >= 65536 -> Inf (NaN -> quiet NaN 0x7E00); |f| < 2^-14 -> the float sum |f| + 0.5, whose rounding at
//           the subnormal spacing 2^-24 is IEEE round-to-nearest-even, minus the bits of 0.5; otherwise the exponent
//           rebiased and (bits + 0xFFF + odd) >> 13, round-to-nearest-even at 11 significant bits (a carry reaches Inf
//           for |f| >= 65520). The sign is put back last.
// Widening is exact; narrowing equals System.Half's (float -> Half) conversion for every non-NaN float.
using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace OdeOpt.Runtime;

/// <summary>IEEE half-precision (binary16) conversions for state storage: round to nearest even, bit-exact between the
/// scalar and the vector forms, equal to <see cref="Half"/>'s conversions for every non-NaN value.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class HalfFloat
{
    private const uint MagnitudeMask = 0x7FFF, ExponentField = 0x7C00u << 13, Rebias = (127 - 15) << 23;
    private const uint SmallestNormal = 113u << 23, DenormMagic = 126u << 23, Overflow = (127 + 16) << 23, Infinity32 = 0x7F80_0000;
    private const uint NormalRebias = 0xC800_0FFF; // ((15 - 127) << 23) + 0xFFF, modulo 2^32

    /// <summary>The float a binary16 value stands for (exact; a NaN stays NaN with its payload).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle(Widen((uint)bits));

    /// <summary>The binary16 value nearest to <paramref name="value"/>, ties to even; beyond 65504 by half an ulp or more
    /// Inf; NaN becomes the quiet NaN 0x7E00 with the same sign.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort FromSingle(float value) => (ushort)Narrow(BitConverter.SingleToUInt32Bits(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint Widen(uint h)
    {
        uint o = (h & MagnitudeMask) << 13;
        uint exponent = o & ExponentField;
        o += Rebias;
        if (exponent == ExponentField) o += Rebias;
        else if (exponent == 0) o = BitConverter.SingleToUInt32Bits(BitConverter.UInt32BitsToSingle(o + (1u << 23)) - BitConverter.UInt32BitsToSingle(SmallestNormal));
        return o | (h & 0x8000) << 16;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint Narrow(uint f)
    {
        uint sign = f & 0x8000_0000u, a = f ^ sign, o;
        if (a >= Overflow) o = a > Infinity32 ? 0x7E00u : 0x7C00u;
        else if (a < SmallestNormal) o = BitConverter.SingleToUInt32Bits(BitConverter.UInt32BitsToSingle(a) + BitConverter.UInt32BitsToSingle(DenormMagic)) - DenormMagic;
        else o = (a + NormalRebias + ((a >> 13) & 1)) >> 13;
        return o | sign >> 16;
    }

    /// <summary>Narrows <paramref name="source"/> into <paramref name="destination"/> (same length), element by element as
    /// <see cref="FromSingle"/>.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Narrow(ReadOnlySpan<float> source, Span<ushort> destination) => SixteenBit.Narrow<HalfFormat>(source, destination);

    /// <summary>Widens <paramref name="source"/> into <paramref name="destination"/> (same length), exactly.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Widen(ReadOnlySpan<ushort> source, Span<float> destination) => SixteenBit.Widen<HalfFormat>(source, destination);

    /// <summary>The float bits of the binary16 values in the low halves of the lanes (as <see cref="ToSingle"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<uint> Expand(Vector512<uint> h)
    {
        var o = Vector512.ShiftLeft(h & Vector512.Create(MagnitudeMask), 13);
        var exponent = o & Vector512.Create(ExponentField);
        o += Vector512.Create(Rebias);
        o += Vector512.Equals(exponent, Vector512.Create(ExponentField)) & Vector512.Create(Rebias);
        var small = (Vector512.AsSingle(o + Vector512.Create(1u << 23)) - Vector512.Create(SmallestNormal).AsSingle()).AsUInt32();
        o = Vector512.ConditionalSelect(Vector512.Equals(exponent, Vector512<uint>.Zero), small, o);
        return o | Vector512.ShiftLeft(h & Vector512.Create(0x8000u), 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<uint> Expand(Vector256<uint> h)
    {
        var o = Vector256.ShiftLeft(h & Vector256.Create(MagnitudeMask), 13);
        var exponent = o & Vector256.Create(ExponentField);
        o += Vector256.Create(Rebias);
        o += Vector256.Equals(exponent, Vector256.Create(ExponentField)) & Vector256.Create(Rebias);
        var small = (Vector256.AsSingle(o + Vector256.Create(1u << 23)) - Vector256.Create(SmallestNormal).AsSingle()).AsUInt32();
        o = Vector256.ConditionalSelect(Vector256.Equals(exponent, Vector256<uint>.Zero), small, o);
        return o | Vector256.ShiftLeft(h & Vector256.Create(0x8000u), 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<uint> Expand(Vector128<uint> h)
    {
        var o = Vector128.ShiftLeft(h & Vector128.Create(MagnitudeMask), 13);
        var exponent = o & Vector128.Create(ExponentField);
        o += Vector128.Create(Rebias);
        o += Vector128.Equals(exponent, Vector128.Create(ExponentField)) & Vector128.Create(Rebias);
        var small = (Vector128.AsSingle(o + Vector128.Create(1u << 23)) - Vector128.Create(SmallestNormal).AsSingle()).AsUInt32();
        o = Vector128.ConditionalSelect(Vector128.Equals(exponent, Vector128<uint>.Zero), small, o);
        return o | Vector128.ShiftLeft(h & Vector128.Create(0x8000u), 16);
    }

    /// <summary>The binary16 bits (as <see cref="FromSingle"/>) of the floats, in the low halves of the lanes (the caller
    /// narrows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<uint> Round(Vector512<uint> f)
    {
        var sign = f & Vector512.Create(0x8000_0000u);
        var a = f ^ sign;
        var big = Vector512.ConditionalSelect(Vector512.GreaterThan(a, Vector512.Create(Infinity32)), Vector512.Create(0x7E00u), Vector512.Create(0x7C00u));
        var small = (a.AsSingle() + Vector512.Create(DenormMagic).AsSingle()).AsUInt32() - Vector512.Create(DenormMagic);
        var normal = Vector512.ShiftRightLogical(a + Vector512.Create(NormalRebias) + (Vector512.ShiftRightLogical(a, 13) & Vector512<uint>.One), 13);
        var o = Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512.Create(SmallestNormal)), small, normal);
        o = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(a, Vector512.Create(Overflow)), big, o);
        return o | Vector512.ShiftRightLogical(sign, 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<uint> Round(Vector256<uint> f)
    {
        var sign = f & Vector256.Create(0x8000_0000u);
        var a = f ^ sign;
        var big = Vector256.ConditionalSelect(Vector256.GreaterThan(a, Vector256.Create(Infinity32)), Vector256.Create(0x7E00u), Vector256.Create(0x7C00u));
        var small = (a.AsSingle() + Vector256.Create(DenormMagic).AsSingle()).AsUInt32() - Vector256.Create(DenormMagic);
        var normal = Vector256.ShiftRightLogical(a + Vector256.Create(NormalRebias) + (Vector256.ShiftRightLogical(a, 13) & Vector256<uint>.One), 13);
        var o = Vector256.ConditionalSelect(Vector256.LessThan(a, Vector256.Create(SmallestNormal)), small, normal);
        o = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(a, Vector256.Create(Overflow)), big, o);
        return o | Vector256.ShiftRightLogical(sign, 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<uint> Round(Vector128<uint> f)
    {
        var sign = f & Vector128.Create(0x8000_0000u);
        var a = f ^ sign;
        var big = Vector128.ConditionalSelect(Vector128.GreaterThan(a, Vector128.Create(Infinity32)), Vector128.Create(0x7E00u), Vector128.Create(0x7C00u));
        var small = (a.AsSingle() + Vector128.Create(DenormMagic).AsSingle()).AsUInt32() - Vector128.Create(DenormMagic);
        var normal = Vector128.ShiftRightLogical(a + Vector128.Create(NormalRebias) + (Vector128.ShiftRightLogical(a, 13) & Vector128<uint>.One), 13);
        var o = Vector128.ConditionalSelect(Vector128.LessThan(a, Vector128.Create(SmallestNormal)), small, normal);
        o = Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(a, Vector128.Create(Overflow)), big, o);
        return o | Vector128.ShiftRightLogical(sign, 16);
    }
}
