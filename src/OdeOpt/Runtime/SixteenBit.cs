// The span conversions both 16-bit storage formats share (BFloat16, HalfFloat): one loop in 512-, 256- or 128-bit
// vectors, whichever is accelerated, then the scalar tail, over a format's own lane operations.
using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace OdeOpt.Runtime;

/// <summary>A 16-bit storage format: its narrowing (float bits to 16-bit values in the low halves of 32-bit lanes) and
/// widening (the reverse, exact), in scalar and vector form, bit-identical.</summary>
internal interface ISixteenBitFormat
{
    static abstract uint Narrow(uint bits);
    static abstract uint Widen(uint value);
    static abstract Vector512<uint> Narrow(Vector512<uint> bits);
    static abstract Vector256<uint> Narrow(Vector256<uint> bits);
    static abstract Vector128<uint> Narrow(Vector128<uint> bits);
    static abstract Vector512<uint> Widen(Vector512<uint> values);
    static abstract Vector256<uint> Widen(Vector256<uint> values);
    static abstract Vector128<uint> Widen(Vector128<uint> values);
}

internal static class SixteenBit
{
    /// <summary>Narrows <paramref name="source"/> into <paramref name="destination"/> (same length) in format F.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Narrow<F>(ReadOnlySpan<float> source, Span<ushort> destination) where F : ISixteenBitFormat
    {
        if (source.Length != destination.Length)
            throw new ArgumentException($"The destination holds {destination.Length} values, the source {source.Length}.", nameof(destination));
        ref uint s = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(source));
        ref ushort d = ref MemoryMarshal.GetReference(destination);
        nuint n = (nuint)source.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 32 <= n; i += 32)
                Vector512.Narrow(F.Narrow(Vector512.LoadUnsafe(ref s, i)), F.Narrow(Vector512.LoadUnsafe(ref s, i + 16))).StoreUnsafe(ref d, i);
        else if (Vector256.IsHardwareAccelerated)
            for (; i + 16 <= n; i += 16)
                Vector256.Narrow(F.Narrow(Vector256.LoadUnsafe(ref s, i)), F.Narrow(Vector256.LoadUnsafe(ref s, i + 8))).StoreUnsafe(ref d, i);
        else if (Vector128.IsHardwareAccelerated)
            for (; i + 8 <= n; i += 8)
                Vector128.Narrow(F.Narrow(Vector128.LoadUnsafe(ref s, i)), F.Narrow(Vector128.LoadUnsafe(ref s, i + 4))).StoreUnsafe(ref d, i);
        for (; i < n; i++) Unsafe.Add(ref d, i) = (ushort)F.Narrow(Unsafe.Add(ref s, i));
    }

    /// <summary>Widens <paramref name="source"/> (format F) into <paramref name="destination"/> (same length), exactly.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Widen<F>(ReadOnlySpan<ushort> source, Span<float> destination) where F : ISixteenBitFormat
    {
        if (source.Length != destination.Length)
            throw new ArgumentException($"The destination holds {destination.Length} values, the source {source.Length}.", nameof(destination));
        ref ushort s = ref MemoryMarshal.GetReference(source);
        ref uint d = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(destination));
        nuint n = (nuint)source.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 32 <= n; i += 32)
            {
                var (lo, hi) = Vector512.Widen(Vector512.LoadUnsafe(ref s, i));
                F.Widen(lo).StoreUnsafe(ref d, i);
                F.Widen(hi).StoreUnsafe(ref d, i + 16);
            }
        else if (Vector256.IsHardwareAccelerated)
            for (; i + 16 <= n; i += 16)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref s, i));
                F.Widen(lo).StoreUnsafe(ref d, i);
                F.Widen(hi).StoreUnsafe(ref d, i + 8);
            }
        else if (Vector128.IsHardwareAccelerated)
            for (; i + 8 <= n; i += 8)
            {
                var (lo, hi) = Vector128.Widen(Vector128.LoadUnsafe(ref s, i));
                F.Widen(lo).StoreUnsafe(ref d, i);
                F.Widen(hi).StoreUnsafe(ref d, i + 4);
            }
        for (; i < n; i++) Unsafe.Add(ref d, i) = F.Widen(Unsafe.Add(ref s, i));
    }
}

/// <summary>bfloat16 (<see cref="BFloat16"/>): the upper half of the float bits, rounded to nearest even.</summary>
internal readonly struct BFloat16Format : ISixteenBitFormat
{
    public static uint Narrow(uint bits) => BFloat16.FromSingle(BitConverter.UInt32BitsToSingle(bits));
    public static uint Widen(uint value) => value << 16;
    public static Vector512<uint> Narrow(Vector512<uint> bits) => BFloat16.Round(bits);
    public static Vector256<uint> Narrow(Vector256<uint> bits) => BFloat16.Round(bits);
    public static Vector128<uint> Narrow(Vector128<uint> bits) => BFloat16.Round(bits);
    public static Vector512<uint> Widen(Vector512<uint> values) => Vector512.ShiftLeft(values, 16);
    public static Vector256<uint> Widen(Vector256<uint> values) => Vector256.ShiftLeft(values, 16);
    public static Vector128<uint> Widen(Vector128<uint> values) => Vector128.ShiftLeft(values, 16);
}

/// <summary>IEEE binary16 (<see cref="HalfFloat"/>).</summary>
internal readonly struct HalfFormat : ISixteenBitFormat
{
    public static uint Narrow(uint bits) => HalfFloat.Narrow(bits);
    public static uint Widen(uint value) => HalfFloat.Widen(value);
    public static Vector512<uint> Narrow(Vector512<uint> bits) => HalfFloat.Round(bits);
    public static Vector256<uint> Narrow(Vector256<uint> bits) => HalfFloat.Round(bits);
    public static Vector128<uint> Narrow(Vector128<uint> bits) => HalfFloat.Round(bits);
    public static Vector512<uint> Widen(Vector512<uint> values) => HalfFloat.Expand(values);
    public static Vector256<uint> Widen(Vector256<uint> values) => HalfFloat.Expand(values);
    public static Vector128<uint> Widen(Vector128<uint> values) => HalfFloat.Expand(values);
}
