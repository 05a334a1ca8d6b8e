using System;
using System.Collections.Generic;
using System.Linq;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Analysis;

/// <summary>A polynomial with exact rational coefficients (index = power).</summary>
internal sealed class Polynomial
{
    private readonly Rational[] _c;
    private double[]? _d;

    public Polynomial(params Rational[] coefficients)
    {
        int n = coefficients.Length;
        while (n > 0 && coefficients[n - 1].IsZero) n--;
        _c = coefficients.Take(n).ToArray();
    }

    // The coefficients as doubles, converted once: the stability scans evaluate a polynomial some 10^5 times, and a
    // Rational-to-double conversion per coefficient per evaluation made the analysis most of the generator's time.
    private double[] D => _d ??= _c.Select(c => c.ToDouble()).ToArray();

    public static readonly Polynomial One = new(Rational.One);
    public static readonly Polynomial Z = new(Rational.Zero, Rational.One);

    public int Degree => _c.Length - 1;
    public Rational this[int power] => power < _c.Length ? _c[power] : Rational.Zero;

    public static Polynomial operator +(Polynomial a, Polynomial b)
    {
        var r = new Rational[Math.Max(a._c.Length, b._c.Length)];
        for (int i = 0; i < r.Length; i++) r[i] = a[i] + b[i];
        return new Polynomial(r);
    }

    public static Polynomial operator *(Polynomial a, Polynomial b)
    {
        if (a._c.Length == 0 || b._c.Length == 0) return new Polynomial();
        var r = new Rational[a._c.Length + b._c.Length - 1];
        for (int i = 0; i < r.Length; i++) r[i] = Rational.Zero;
        for (int i = 0; i < a._c.Length; i++)
            for (int j = 0; j < b._c.Length; j++)
                r[i + j] += a._c[i] * b._c[j];
        return new Polynomial(r);
    }

    public static Polynomial operator *(Rational k, Polynomial a) => new(a._c.Select(c => k * c).ToArray());

    public double Evaluate(double x)
    {
        var d = D;
        double r = 0;
        for (int i = d.Length - 1; i >= 0; i--) r = r * x + d[i];
        return r;
    }

    public (double Re, double Im) Evaluate(double re, double im)
    {
        var d = D;
        double rr = 0, ri = 0;
        for (int i = d.Length - 1; i >= 0; i--)
        {
            double nr = rr * re - ri * im + d[i];
            double ni = rr * im + ri * re;
            rr = nr;
            ri = ni;
        }
        return (rr, ri);
    }

    public override string ToString()
    {
        if (_c.Length == 0) return "0";
        var terms = new List<string>();
        for (int i = 0; i < _c.Length; i++)
        {
            if (_c[i].IsZero) continue;
            terms.Add(i == 0 ? _c[i].ToString() : (_c[i].IsOne ? "" : _c[i] + " ") + (i == 1 ? "z" : "z^" + i));
        }
        return string.Join(" + ", terms);
    }
}

/// <summary>Linear stability of a Runge–Kutta tableau: R(z) = 1 + z b^T (I - z A)^{-1} 1 = P(z) / Q(z).</summary>
/// <remarks>
/// For a lower-triangular A, forward substitution gives R exactly: with D_i = prod_{k&lt;=i} (1 - z a_kk),
/// x_i = N_i / D_i where N_i = D_{i-1} + z sum_{j&lt;i} a_ij N_j D_{i-1} / D_j, and
/// P = Q + z sum_i b_i N_i Q / D_i with Q = D_s. For an explicit tableau Q = 1 and R is a polynomial.
/// </remarks>
internal static class Stability
{
    public static (Polynomial P, Polynomial Q) Function(Rational[,] a, Rational[] b)
    {
        int s = b.Length;
        var factor = new Polynomial[s];
        for (int k = 0; k < s; k++) factor[k] = Polynomial.One + new Polynomial(Rational.Zero, -a[k, k]);
        Polynomial Prod(int from, int to)
        {
            var p = Polynomial.One;
            for (int k = from; k <= to; k++) p *= factor[k];
            return p;
        }
        var n = new Polynomial[s];
        for (int i = 0; i < s; i++)
        {
            var sum = Prod(0, i - 1);
            for (int j = 0; j < i; j++)
                if (!a[i, j].IsZero) sum += Polynomial.Z * (a[i, j] * (n[j] * Prod(j + 1, i - 1)));
            n[i] = sum;
        }
        var q = Prod(0, s - 1);
        var p = q;
        for (int i = 0; i < s; i++)
            if (!b[i].IsZero) p += Polynomial.Z * (b[i] * (n[i] * Prod(i + 1, s - 1)));
        return (p, q);
    }

    /// <summary>The largest beta with |R(x)| &lt;= 1 on [-beta, 0] for an explicit tableau (R a polynomial); 0 when
    /// |R| exceeds 1 right left of 0, infinity when it never does.</summary>
    public static double ExplicitBound(Rational[,] a, Rational[] b)
    {
        var (p, _) = Function(a, b);
        if (p.Degree <= 0) return double.PositiveInfinity;
        double Abs(double x) => Math.Abs(p.Evaluate(-x));
        const double slack = 1e-12;
        double max = 8.0 * (p.Degree + 1) * (p.Degree + 1);
        const double step = 1e-3;
        double previous = 0;
        for (double x = step; x <= max; x += step)
        {
            if (Abs(x) > 1 + slack)
            {
                double lo = previous, hi = x;
                for (int k = 0; k < 200 && hi - lo > 1e-13; k++)
                {
                    double mid = 0.5 * (lo + hi);
                    if (Abs(mid) > 1 + slack) hi = mid; else lo = mid;
                }
                return lo;
            }
            previous = x;
        }
        return double.PositiveInfinity;
    }

    /// <summary>A-stability (|R(z)| &lt;= 1 on Re z &lt;= 0) and L-stability (also R(z) -> 0 as z -> infinity) of a
    /// diagonally implicit tableau.</summary>
    public static (bool AStable, bool LStable, double AtInfinity) Implicit(Rational[,] a, Rational[] b)
    {
        int s = b.Length;
        var (p, q) = Function(a, b);
        // Poles 1 / a_ii must lie in the right half-plane.
        bool aStable = Enumerable.Range(0, s).All(i => a[i, i].Sign >= 0);
        double Mod(double re, double im)
        {
            var (pr, pi) = p.Evaluate(re, im);
            var (qr, qi) = q.Evaluate(re, im);
            return Math.Sqrt((pr * pr + pi * pi) / (qr * qr + qi * qi));
        }
        if (aStable)
        {
            // Maximum principle: check the imaginary axis (log grid) and infinity.
            for (double e = -4; e <= 9 && aStable; e += 0.002)
            {
                double y = Math.Pow(10, e);
                if (Mod(0, y) > 1 + 1e-9) aStable = false;
            }
            if (Mod(0, 0) > 1 + 1e-9) aStable = false;
        }
        double infinity = Mod(-1e9, 0);
        bool lStable = aStable && infinity < 1e-6 && Mod(0, 1e9) < 1e-6;
        return (aStable, lStable, infinity);
    }
}
