using System;
using System.Globalization;
using System.Numerics;

namespace OdeOpt.Generators.Model;

/// <summary>An exact rational number p/q (q &gt; 0, gcd(p, q) = 1). Tableau coefficients are kept
/// exactly so that structure (zeros, equal rows) and order conditions are decided without rounding.</summary>
internal readonly struct Rational : IEquatable<Rational>, IComparable<Rational>
{
    public static readonly Rational Zero = new(BigInteger.Zero, BigInteger.One, normalized: true);
    public static readonly Rational One = new(BigInteger.One, BigInteger.One, normalized: true);

    private readonly BigInteger _num;
    private readonly BigInteger _den; // zero only in default(Rational), which means 0/1

    private Rational(BigInteger num, BigInteger den, bool normalized)
    {
        _num = num;
        _den = den;
    }

    public Rational(BigInteger numerator, BigInteger denominator)
    {
        if (denominator.IsZero) throw new DivideByZeroException();
        if (denominator.Sign < 0) { numerator = -numerator; denominator = -denominator; }
        var g = BigInteger.GreatestCommonDivisor(numerator, denominator);
        if (!g.IsOne && !g.IsZero) { numerator /= g; denominator /= g; }
        _num = numerator;
        _den = numerator.IsZero ? BigInteger.One : denominator;
    }

    public static Rational FromInt(long value) => new(value, BigInteger.One, normalized: true);

    public BigInteger Numerator => _num;
    public BigInteger Denominator => _den.IsZero ? BigInteger.One : _den;
    public bool IsZero => _num.IsZero;
    public bool IsOne => _num.IsOne && Denominator.IsOne;
    public int Sign => _num.Sign;

    public static Rational operator +(Rational a, Rational b) => new(a._num * b.Denominator + b._num * a.Denominator, a.Denominator * b.Denominator);
    public static Rational operator -(Rational a, Rational b) => new(a._num * b.Denominator - b._num * a.Denominator, a.Denominator * b.Denominator);
    public static Rational operator *(Rational a, Rational b) => new(a._num * b._num, a.Denominator * b.Denominator);
    public static Rational operator /(Rational a, Rational b) => new(a._num * b.Denominator, a.Denominator * b._num);
    public static Rational operator -(Rational a) => new(-a._num, a.Denominator, normalized: true);

    public static bool operator ==(Rational a, Rational b) => a.Equals(b);
    public static bool operator !=(Rational a, Rational b) => !a.Equals(b);
    public static bool operator <(Rational a, Rational b) => a.CompareTo(b) < 0;
    public static bool operator >(Rational a, Rational b) => a.CompareTo(b) > 0;
    public static bool operator <=(Rational a, Rational b) => a.CompareTo(b) <= 0;
    public static bool operator >=(Rational a, Rational b) => a.CompareTo(b) >= 0;

    public bool Equals(Rational other) => _num == other._num && Denominator == other.Denominator;
    public override bool Equals(object? obj) => obj is Rational r && Equals(r);
    public override int GetHashCode() => unchecked(_num.GetHashCode() * 397 ^ Denominator.GetHashCode());
    public int CompareTo(Rational other) => (_num * other.Denominator).CompareTo(other._num * Denominator);

    /// <summary>The nearest double (correct to within an ulp for the magnitudes tableaux use).</summary>
    public double ToDouble()
    {
        if (_num.IsZero) return 0.0;
        var den = Denominator;
        // Scale so that the quotient carries at least 64 significant bits before converting.
        int shift = Math.Max(0, 64 - (int)(BitLength(BigInteger.Abs(_num)) - BitLength(den)));
        var q = BigInteger.Divide(_num << shift, den);
        return (double)q / Math.Pow(2, shift);
    }

    private static long BitLength(BigInteger value)
    {
        long bits = 0;
        while (!value.IsZero) { value >>= 1; bits++; }
        return bits;
    }

    /// <summary>C# source for this value as a double literal (invariant culture, round-trip).</summary>
    public string ToCSharpDouble()
    {
        if (Denominator.IsOne && BigInteger.Abs(_num) < new BigInteger(1L << 53))
            return _num.ToString(CultureInfo.InvariantCulture) + "d";
        return ToDouble().ToString("R", CultureInfo.InvariantCulture) + "d";
    }

    public override string ToString() => Denominator.IsOne
        ? _num.ToString(CultureInfo.InvariantCulture)
        : _num.ToString(CultureInfo.InvariantCulture) + "/" + Denominator.ToString(CultureInfo.InvariantCulture);

    /// <summary>Parses an integer, a fraction "p/q" or a decimal "1.25", "-0.5", "1e-3", "2.5E+2" exactly.</summary>
    public static bool TryParse(string text, out Rational value)
    {
        value = Zero;
        text = text.Trim();
        if (text.Length == 0) return false;
        int slash = text.IndexOf('/');
        if (slash >= 0)
        {
            if (!TryParseDecimal(text.Substring(0, slash), out var p) || !TryParseDecimal(text.Substring(slash + 1), out var q) || q.IsZero)
                return false;
            value = p / q;
            return true;
        }
        return TryParseDecimal(text, out value);
    }

    private static bool TryParseDecimal(string text, out Rational value)
    {
        value = Zero;
        text = text.Trim();
        if (text.Length == 0) return false;
        int i = 0;
        bool negative = false;
        if (text[i] == '+' || text[i] == '-') { negative = text[i] == '-'; i++; }
        BigInteger mantissa = BigInteger.Zero;
        int fractionDigits = 0, digits = 0;
        bool seenPoint = false;
        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (c >= '0' && c <= '9')
            {
                mantissa = mantissa * 10 + (c - '0');
                digits++;
                if (seenPoint) fractionDigits++;
            }
            else if (c == '.' && !seenPoint) seenPoint = true;
            else break;
        }
        if (digits == 0) return false;
        int exponent = 0;
        if (i < text.Length)
        {
            if (text[i] != 'e' && text[i] != 'E') return false;
            i++;
            if (i >= text.Length) return false;
            if (!int.TryParse(text.Substring(i), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent)) return false;
            if (Math.Abs(exponent) > 400) return false;
        }
        exponent -= fractionDigits;
        var num = negative ? -mantissa : mantissa;
        value = exponent >= 0
            ? new Rational(num * BigInteger.Pow(10, exponent), BigInteger.One)
            : new Rational(num, BigInteger.Pow(10, -exponent));
        return true;
    }
}
