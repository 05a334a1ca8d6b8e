using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OdeOpt.Runtime;

/// <summary>
/// The operations generated kernels are written in. A kernel body is generic over this interface and is
/// instantiated for <see cref="Simd512"/>, <see cref="Simd256"/>, <see cref="Simd128"/> and <see cref="SimdScalar"/>
/// (the tail); the JIT specialises each instantiation into straight vector code.
/// </summary>
/// <remarks>Comparisons return masks (all bits set where true) that only <see cref="Select"/>, <see cref="And"/>,
/// <see cref="Or"/> and <see cref="Not"/> consume. Max and Min propagate NaN like <see cref="MathF.Max(float, float)"/>.
/// Sign returns -1, 0 or 1 as float and NaN for NaN.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface ISimd<TSelf> where TSelf : struct, ISimd<TSelf>
{
    /// <summary>Lanes per vector.</summary>
    static abstract int Count { get; }
    /// <summary>All lanes set to <paramref name="value"/>.</summary>
    static abstract TSelf Create(float value);
    /// <summary>Loads Count floats from <c>Unsafe.Add(ref source, index)</c>.</summary>
    static abstract TSelf Load(ref float source, nint index);
    /// <summary>Stores Count floats to <c>Unsafe.Add(ref destination, index)</c>.</summary>
    static abstract void Store(TSelf value, ref float destination, nint index);
    /// <summary>Loads Count bfloat16 values from <c>Unsafe.Add(ref source, index)</c>, widened exactly (<see cref="BFloat16"/>).</summary>
    static abstract TSelf LoadBFloat16(ref ushort source, nint index);
    /// <summary>Stores Count values as bfloat16 to <c>Unsafe.Add(ref destination, index)</c>, rounded to nearest even
    /// (the bits of <see cref="BFloat16.FromSingle"/>).</summary>
    static abstract void StoreBFloat16(TSelf value, ref ushort destination, nint index);
    /// <summary>Loads Count IEEE binary16 values from <c>Unsafe.Add(ref source, index)</c>, widened exactly (<see cref="HalfFloat"/>).</summary>
    static abstract TSelf LoadHalf(ref ushort source, nint index);
    /// <summary>Stores Count values as IEEE binary16 to <c>Unsafe.Add(ref destination, index)</c>, rounded to nearest even
    /// (the bits of <see cref="HalfFloat.FromSingle"/>).</summary>
    static abstract void StoreHalf(TSelf value, ref ushort destination, nint index);
    /// <summary>Stores Count values as bfloat16 to <c>Unsafe.Add(ref destination, index)</c>, rounded stochastically with
    /// the bits of elements index, index + 1, ... under the step key (<see cref="CounterRandom.ElementBits(uint, uint, uint)"/>,
    /// <see cref="CounterRandom.StochasticBFloat16"/>).</summary>
    static abstract void StoreBFloat16Stochastic(TSelf value, ref ushort destination, nint index, uint key0, uint key1);
#pragma warning disable CS1591 // operators and math functions are documented by their names
    static abstract TSelf operator +(TSelf a, TSelf b);
    static abstract TSelf operator -(TSelf a, TSelf b);
    static abstract TSelf operator *(TSelf a, TSelf b);
    static abstract TSelf operator /(TSelf a, TSelf b);
    static abstract TSelf operator -(TSelf a);
    static abstract TSelf Sqrt(TSelf a);
    static abstract TSelf Abs(TSelf a);
    static abstract TSelf Max(TSelf a, TSelf b);
    static abstract TSelf Min(TSelf a, TSelf b);
    static abstract TSelf Exp(TSelf a);
    static abstract TSelf Log(TSelf a);
    static abstract TSelf Pow(TSelf a, TSelf b);
    static abstract TSelf Sign(TSelf a);
    static abstract TSelf FusedMultiplyAdd(TSelf a, TSelf b, TSelf c);
    static abstract TSelf LessThan(TSelf a, TSelf b);
    static abstract TSelf LessThanOrEqual(TSelf a, TSelf b);
    static abstract TSelf GreaterThan(TSelf a, TSelf b);
    static abstract TSelf GreaterThanOrEqual(TSelf a, TSelf b);
    static abstract TSelf Equal(TSelf a, TSelf b);
    static abstract TSelf NotEqual(TSelf a, TSelf b);
    static abstract TSelf And(TSelf a, TSelf b);
    static abstract TSelf Or(TSelf a, TSelf b);
    static abstract TSelf Not(TSelf a);
    static abstract TSelf Select(TSelf mask, TSelf whenTrue, TSelf whenFalse);
#pragma warning restore CS1591
}

/// <summary>Scalar math shared by all widths (lane-wise fallbacks and the uniform computations).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ScalarMath
{
    /// <summary>-1, 0 or 1; NaN for NaN (MathF.Sign would throw).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sign(float x) => x > 0 ? 1f : x < 0 ? -1f : x == 0 ? 0f : float.NaN;

    /// <summary>-1, 0 or 1; NaN for NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sign(double x) => x > 0 ? 1d : x < 0 ? -1d : x == 0 ? 0d : double.NaN;

    /// <summary>All bits set (a true comparison mask) as a float.</summary>
    public static readonly float True = BitConverter.Int32BitsToSingle(-1);
}

#pragma warning disable CS1591
/// <summary>One float: the scalar tail of every kernel.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct SimdScalar : ISimd<SimdScalar>
{
    public readonly float V;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public SimdScalar(float v) => V = v;
    private static SimdScalar Mask(bool b) => new(b ? ScalarMath.True : 0f);
    private static bool IsSet(SimdScalar m) => BitConverter.SingleToInt32Bits(m.V) != 0;

    public static int Count => 1;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static SimdScalar Create(float value) => new(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static SimdScalar Load(ref float source, nint index) => new(Unsafe.Add(ref source, index));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(SimdScalar value, ref float destination, nint index) => Unsafe.Add(ref destination, index) = value.V;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static SimdScalar LoadBFloat16(ref ushort source, nint index) => new(BFloat16.ToSingle(Unsafe.Add(ref source, index)));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void StoreBFloat16(SimdScalar value, ref ushort destination, nint index) => Unsafe.Add(ref destination, index) = BFloat16.FromSingle(value.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static SimdScalar LoadHalf(ref ushort source, nint index) => new(HalfFloat.ToSingle(Unsafe.Add(ref source, index)));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void StoreHalf(SimdScalar value, ref ushort destination, nint index) => Unsafe.Add(ref destination, index) = HalfFloat.FromSingle(value.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreBFloat16Stochastic(SimdScalar value, ref ushort destination, nint index, uint key0, uint key1) =>
        Unsafe.Add(ref destination, index) = CounterRandom.StochasticBFloat16(value.V, CounterRandom.ElementBits(key0, key1, (uint)index));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static SimdScalar operator +(SimdScalar a, SimdScalar b) => new(a.V + b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static SimdScalar operator -(SimdScalar a, SimdScalar b) => new(a.V - b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static SimdScalar operator *(SimdScalar a, SimdScalar b) => new(a.V * b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static SimdScalar operator /(SimdScalar a, SimdScalar b) => new(a.V / b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static SimdScalar operator -(SimdScalar a) => new(-a.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static SimdScalar Sqrt(SimdScalar a) => new(MathF.Sqrt(a.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static SimdScalar Abs(SimdScalar a) => new(MathF.Abs(a.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static SimdScalar Max(SimdScalar a, SimdScalar b) => new(MathF.Max(a.V, b.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static SimdScalar Min(SimdScalar a, SimdScalar b) => new(MathF.Min(a.V, b.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static SimdScalar Exp(SimdScalar a) => new(MathF.Exp(a.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static SimdScalar Log(SimdScalar a) => new(MathF.Log(a.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static SimdScalar Pow(SimdScalar a, SimdScalar b) => new(MathF.Pow(a.V, b.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static SimdScalar Sign(SimdScalar a) => new(ScalarMath.Sign(a.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static SimdScalar FusedMultiplyAdd(SimdScalar a, SimdScalar b, SimdScalar c) => new(MathF.FusedMultiplyAdd(a.V, b.V, c.V));
    public static SimdScalar LessThan(SimdScalar a, SimdScalar b) => Mask(a.V < b.V);
    public static SimdScalar LessThanOrEqual(SimdScalar a, SimdScalar b) => Mask(a.V <= b.V);
    public static SimdScalar GreaterThan(SimdScalar a, SimdScalar b) => Mask(a.V > b.V);
    public static SimdScalar GreaterThanOrEqual(SimdScalar a, SimdScalar b) => Mask(a.V >= b.V);
    public static SimdScalar Equal(SimdScalar a, SimdScalar b) => Mask(a.V == b.V);
    public static SimdScalar NotEqual(SimdScalar a, SimdScalar b) => Mask(a.V != b.V);
    public static SimdScalar And(SimdScalar a, SimdScalar b) => Mask(IsSet(a) && IsSet(b));
    public static SimdScalar Or(SimdScalar a, SimdScalar b) => Mask(IsSet(a) || IsSet(b));
    public static SimdScalar Not(SimdScalar a) => Mask(!IsSet(a));
    public static SimdScalar Select(SimdScalar mask, SimdScalar whenTrue, SimdScalar whenFalse) => IsSet(mask) ? whenTrue : whenFalse;
}

/// <summary>A 128-bit vector of floats.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct Simd128 : ISimd<Simd128>
{
    public readonly Vector128<float> V;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Simd128(Vector128<float> v) => V = v;

    public static int Count => Vector128<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 Create(float value) => new(Vector128.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 Load(ref float source, nint index) => new(Vector128.LoadUnsafe(ref source, (nuint)index));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Simd128 value, ref float destination, nint index) => value.V.StoreUnsafe(ref destination, (nuint)index);
    // 16-bit lanes: four values as one 8-byte load or store.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Load16(ref ushort source, nint index) =>
        Vector128.WidenLower(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.As<ushort, byte>(ref Unsafe.Add(ref source, index)))).AsUInt16());
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store16(Vector128<uint> lanes, ref ushort destination, nint index) =>
        Unsafe.WriteUnaligned(ref Unsafe.As<ushort, byte>(ref Unsafe.Add(ref destination, index)), Vector128.Narrow(lanes, lanes).AsUInt64().ToScalar());
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 LoadBFloat16(ref ushort source, nint index) => new(Vector128.ShiftLeft(Load16(ref source, index), 16).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreBFloat16(Simd128 value, ref ushort destination, nint index) => Store16(BFloat16.Round(value.V.AsUInt32()), ref destination, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 LoadHalf(ref ushort source, nint index) => new(HalfFloat.Expand(Load16(ref source, index)).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreHalf(Simd128 value, ref ushort destination, nint index) => Store16(HalfFloat.Round(value.V.AsUInt32()), ref destination, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreBFloat16Stochastic(Simd128 value, ref ushort destination, nint index, uint key0, uint key1) =>
        Store16(CounterRandom.RoundStochastic(value.V.AsUInt32(), CounterRandom.ElementBits(key0, key1, Vector128.Create((uint)index) + Vector128<uint>.Indices)), ref destination, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 operator +(Simd128 a, Simd128 b) => new(a.V + b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 operator -(Simd128 a, Simd128 b) => new(a.V - b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 operator *(Simd128 a, Simd128 b) => new(a.V * b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 operator /(Simd128 a, Simd128 b) => new(a.V / b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 operator -(Simd128 a) => new(-a.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 Sqrt(Simd128 a) => new(Vector128.Sqrt(a.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 Abs(Simd128 a) => new(Vector128.Abs(a.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 Max(Simd128 a, Simd128 b) => new(Vector128.Max(a.V, b.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 Min(Simd128 a, Simd128 b) => new(Vector128.Min(a.V, b.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 Exp(Simd128 a) => new(Vector128.Exp(a.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 Log(Simd128 a) => new(Vector128.Log(a.V));
    public static Simd128 Pow(Simd128 a, Simd128 b)
    {
        Span<float> x = stackalloc float[Vector128<float>.Count];
        Span<float> y = stackalloc float[Vector128<float>.Count];
        a.V.CopyTo(x);
        b.V.CopyTo(y);
        for (int i = 0; i < x.Length; i++) x[i] = MathF.Pow(x[i], y[i]);
        return new(Vector128.Create<float>(x));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Sign(Simd128 a)
    {
        var one = Vector128<float>.One;
        var sign = Vector128.ConditionalSelect(Vector128.GreaterThan(a.V, Vector128<float>.Zero), one,
            Vector128.ConditionalSelect(Vector128.LessThan(a.V, Vector128<float>.Zero), -one, Vector128<float>.Zero));
        return new(Vector128.ConditionalSelect(Vector128.Equals(a.V, a.V), sign, a.V));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 FusedMultiplyAdd(Simd128 a, Simd128 b, Simd128 c) => new(Vector128.FusedMultiplyAdd(a.V, b.V, c.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 LessThan(Simd128 a, Simd128 b) => new(Vector128.LessThan(a.V, b.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 LessThanOrEqual(Simd128 a, Simd128 b) => new(Vector128.LessThanOrEqual(a.V, b.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 GreaterThan(Simd128 a, Simd128 b) => new(Vector128.GreaterThan(a.V, b.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 GreaterThanOrEqual(Simd128 a, Simd128 b) => new(Vector128.GreaterThanOrEqual(a.V, b.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 Equal(Simd128 a, Simd128 b) => new(Vector128.Equals(a.V, b.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 NotEqual(Simd128 a, Simd128 b) => new(~Vector128.Equals(a.V, b.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 And(Simd128 a, Simd128 b) => new(a.V & b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 Or(Simd128 a, Simd128 b) => new(a.V | b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 Not(Simd128 a) => new(~a.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 Select(Simd128 mask, Simd128 whenTrue, Simd128 whenFalse) => new(Vector128.ConditionalSelect(mask.V, whenTrue.V, whenFalse.V));
}

/// <summary>A 256-bit vector of floats.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct Simd256 : ISimd<Simd256>
{
    public readonly Vector256<float> V;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Simd256(Vector256<float> v) => V = v;

    public static int Count => Vector256<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 Create(float value) => new(Vector256.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 Load(ref float source, nint index) => new(Vector256.LoadUnsafe(ref source, (nuint)index));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Simd256 value, ref float destination, nint index) => value.V.StoreUnsafe(ref destination, (nuint)index);
    // 16-bit lanes: eight values as one 16-byte load or store.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Load16(ref ushort source, nint index)
    {
        var (lo, hi) = Vector128.Widen(Vector128.LoadUnsafe(ref source, (nuint)index));
        return Vector256.Create(lo, hi);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store16(Vector256<uint> lanes, ref ushort destination, nint index) =>
        Vector128.Narrow(lanes.GetLower(), lanes.GetUpper()).StoreUnsafe(ref destination, (nuint)index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 LoadBFloat16(ref ushort source, nint index) => new(Vector256.ShiftLeft(Load16(ref source, index), 16).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreBFloat16(Simd256 value, ref ushort destination, nint index) => Store16(BFloat16.Round(value.V.AsUInt32()), ref destination, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 LoadHalf(ref ushort source, nint index) => new(HalfFloat.Expand(Load16(ref source, index)).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreHalf(Simd256 value, ref ushort destination, nint index) => Store16(HalfFloat.Round(value.V.AsUInt32()), ref destination, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreBFloat16Stochastic(Simd256 value, ref ushort destination, nint index, uint key0, uint key1) =>
        Store16(CounterRandom.RoundStochastic(value.V.AsUInt32(), CounterRandom.ElementBits(key0, key1, Vector256.Create((uint)index) + Vector256<uint>.Indices)), ref destination, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 operator +(Simd256 a, Simd256 b) => new(a.V + b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 operator -(Simd256 a, Simd256 b) => new(a.V - b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 operator *(Simd256 a, Simd256 b) => new(a.V * b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 operator /(Simd256 a, Simd256 b) => new(a.V / b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 operator -(Simd256 a) => new(-a.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 Sqrt(Simd256 a) => new(Vector256.Sqrt(a.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 Abs(Simd256 a) => new(Vector256.Abs(a.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 Max(Simd256 a, Simd256 b) => new(Vector256.Max(a.V, b.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 Min(Simd256 a, Simd256 b) => new(Vector256.Min(a.V, b.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 Exp(Simd256 a) => new(Vector256.Exp(a.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 Log(Simd256 a) => new(Vector256.Log(a.V));
    public static Simd256 Pow(Simd256 a, Simd256 b)
    {
        Span<float> x = stackalloc float[Vector256<float>.Count];
        Span<float> y = stackalloc float[Vector256<float>.Count];
        a.V.CopyTo(x);
        b.V.CopyTo(y);
        for (int i = 0; i < x.Length; i++) x[i] = MathF.Pow(x[i], y[i]);
        return new(Vector256.Create<float>(x));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Sign(Simd256 a)
    {
        var one = Vector256<float>.One;
        var sign = Vector256.ConditionalSelect(Vector256.GreaterThan(a.V, Vector256<float>.Zero), one,
            Vector256.ConditionalSelect(Vector256.LessThan(a.V, Vector256<float>.Zero), -one, Vector256<float>.Zero));
        return new(Vector256.ConditionalSelect(Vector256.Equals(a.V, a.V), sign, a.V));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 FusedMultiplyAdd(Simd256 a, Simd256 b, Simd256 c) => new(Vector256.FusedMultiplyAdd(a.V, b.V, c.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 LessThan(Simd256 a, Simd256 b) => new(Vector256.LessThan(a.V, b.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 LessThanOrEqual(Simd256 a, Simd256 b) => new(Vector256.LessThanOrEqual(a.V, b.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 GreaterThan(Simd256 a, Simd256 b) => new(Vector256.GreaterThan(a.V, b.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 GreaterThanOrEqual(Simd256 a, Simd256 b) => new(Vector256.GreaterThanOrEqual(a.V, b.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 Equal(Simd256 a, Simd256 b) => new(Vector256.Equals(a.V, b.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 NotEqual(Simd256 a, Simd256 b) => new(~Vector256.Equals(a.V, b.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 And(Simd256 a, Simd256 b) => new(a.V & b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 Or(Simd256 a, Simd256 b) => new(a.V | b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 Not(Simd256 a) => new(~a.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 Select(Simd256 mask, Simd256 whenTrue, Simd256 whenFalse) => new(Vector256.ConditionalSelect(mask.V, whenTrue.V, whenFalse.V));
}

/// <summary>A 512-bit vector of floats.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct Simd512 : ISimd<Simd512>
{
    public readonly Vector512<float> V;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Simd512(Vector512<float> v) => V = v;

    public static int Count => Vector512<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 Create(float value) => new(Vector512.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 Load(ref float source, nint index) => new(Vector512.LoadUnsafe(ref source, (nuint)index));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Simd512 value, ref float destination, nint index) => value.V.StoreUnsafe(ref destination, (nuint)index);
    // 16-bit lanes: one vpmovzxwd / vpmovdw where AVX-512F is there (the portable Widen/Narrow pair costs permutes).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Load16(ref ushort source, nint index)
    {
        if (Avx512F.IsSupported) return Avx512F.ConvertToVector512UInt32(Vector256.LoadUnsafe(ref source, (nuint)index));
        var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref source, (nuint)index));
        return Vector512.Create(lo, hi);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store16(Vector512<uint> lanes, ref ushort destination, nint index)
    {
        if (Avx512F.IsSupported) Avx512F.ConvertToVector256UInt16(lanes).StoreUnsafe(ref destination, (nuint)index);
        else Vector256.Narrow(lanes.GetLower(), lanes.GetUpper()).StoreUnsafe(ref destination, (nuint)index);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 LoadBFloat16(ref ushort source, nint index) => new(Vector512.ShiftLeft(Load16(ref source, index), 16).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreBFloat16(Simd512 value, ref ushort destination, nint index) => Store16(BFloat16.Round(value.V.AsUInt32()), ref destination, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 LoadHalf(ref ushort source, nint index) => new(HalfFloat.Expand(Load16(ref source, index)).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreHalf(Simd512 value, ref ushort destination, nint index) => Store16(HalfFloat.Round(value.V.AsUInt32()), ref destination, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreBFloat16Stochastic(Simd512 value, ref ushort destination, nint index, uint key0, uint key1) =>
        Store16(CounterRandom.RoundStochastic(value.V.AsUInt32(), CounterRandom.ElementBits(key0, key1, Vector512.Create((uint)index) + Vector512<uint>.Indices)), ref destination, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 operator +(Simd512 a, Simd512 b) => new(a.V + b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 operator -(Simd512 a, Simd512 b) => new(a.V - b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 operator *(Simd512 a, Simd512 b) => new(a.V * b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 operator /(Simd512 a, Simd512 b) => new(a.V / b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 operator -(Simd512 a) => new(-a.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 Sqrt(Simd512 a) => new(Vector512.Sqrt(a.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 Abs(Simd512 a) => new(Vector512.Abs(a.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 Max(Simd512 a, Simd512 b) => new(Vector512.Max(a.V, b.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 Min(Simd512 a, Simd512 b) => new(Vector512.Min(a.V, b.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 Exp(Simd512 a) => new(Vector512.Exp(a.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 Log(Simd512 a) => new(Vector512.Log(a.V));
    public static Simd512 Pow(Simd512 a, Simd512 b)
    {
        Span<float> x = stackalloc float[Vector512<float>.Count];
        Span<float> y = stackalloc float[Vector512<float>.Count];
        a.V.CopyTo(x);
        b.V.CopyTo(y);
        for (int i = 0; i < x.Length; i++) x[i] = MathF.Pow(x[i], y[i]);
        return new(Vector512.Create<float>(x));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Sign(Simd512 a)
    {
        var one = Vector512<float>.One;
        var sign = Vector512.ConditionalSelect(Vector512.GreaterThan(a.V, Vector512<float>.Zero), one,
            Vector512.ConditionalSelect(Vector512.LessThan(a.V, Vector512<float>.Zero), -one, Vector512<float>.Zero));
        return new(Vector512.ConditionalSelect(Vector512.Equals(a.V, a.V), sign, a.V));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 FusedMultiplyAdd(Simd512 a, Simd512 b, Simd512 c) => new(Vector512.FusedMultiplyAdd(a.V, b.V, c.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 LessThan(Simd512 a, Simd512 b) => new(Vector512.LessThan(a.V, b.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 LessThanOrEqual(Simd512 a, Simd512 b) => new(Vector512.LessThanOrEqual(a.V, b.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 GreaterThan(Simd512 a, Simd512 b) => new(Vector512.GreaterThan(a.V, b.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 GreaterThanOrEqual(Simd512 a, Simd512 b) => new(Vector512.GreaterThanOrEqual(a.V, b.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 Equal(Simd512 a, Simd512 b) => new(Vector512.Equals(a.V, b.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 NotEqual(Simd512 a, Simd512 b) => new(~Vector512.Equals(a.V, b.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 And(Simd512 a, Simd512 b) => new(a.V & b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 Or(Simd512 a, Simd512 b) => new(a.V | b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 Not(Simd512 a) => new(~a.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 Select(Simd512 mask, Simd512 whenTrue, Simd512 whenFalse) => new(Vector512.ConditionalSelect(mask.V, whenTrue.V, whenFalse.V));
}
#pragma warning restore CS1591

/// <summary>Whether a generated pass clips the gradient: a type argument, so that the loop without clipping has none of
/// its code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IGradientClip
{
    /// <summary>True for the clipping instantiation.</summary>
    static abstract bool Enabled { get; }
}

/// <summary>The pass scales and clamps the gradient (norm or value clipping is on).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct GradientClipped : IGradientClip
{
    /// <inheritdoc/>
    public static bool Enabled => true;
}

/// <summary>The pass uses the gradient as it is.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct GradientUnclipped : IGradientClip
{
    /// <inheritdoc/>
    public static bool Enabled => false;
}

/// <summary>What generated reduction passes share ([Reduction]).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ReductionMath
{
    /// <summary>The larger of two values, NaN when either is NaN (a NaN element makes a MaxAbs reduction NaN).</summary>
    public static double Max(double a, double b) => double.IsNaN(a) || a >= b ? a : b;
}
