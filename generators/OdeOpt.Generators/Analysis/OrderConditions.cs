using System;
using System.Collections.Generic;
using System.Linq;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Analysis;

/// <summary>One order condition: a name (the rooted tree, in words), its order, and whether the pair meets it.</summary>
internal sealed record OrderCondition(int Order, string Name, bool Holds, string Detail);

/// <summary>
/// Order conditions of a Runge–Kutta tableau and of an additive (IMEX) pair, evaluated in exact rational
/// arithmetic (with a 1e-12 tolerance when an entry was a long decimal).
/// </summary>
/// <remarks>
/// <para>A single tableau with c = A 1 (Butcher's 17 rooted-tree conditions up to order 5; Hairer, Nørsett, Wanner,
/// Solving ODEs I, Table II.2.2):</para>
/// <code>
/// 1: sum b_i = 1
/// 2: sum b_i c_i = 1/2
/// 3: sum b_i c_i^2 = 1/3             sum b_i a_ij c_j = 1/6
/// 4: sum b_i c_i^3 = 1/4             sum b_i c_i a_ij c_j = 1/8
///    sum b_i a_ij c_j^2 = 1/12       sum b_i a_ij a_jk c_k = 1/24
/// 5: b.c^4 = 1/5      b.(c^2 Ac) = 1/10    b.(c A c^2) = 1/15    b.(c AAc) = 1/30    b.(Ac)^2 = 1/20
///    b.A c^3 = 1/20   b.A(c Ac) = 1/40     b.AA c^2 = 1/60       b.AAAc = 1/120      (products elementwise)
/// </code>
/// <para>An additive pair (A, b, c) + (Ah, bh, ch) of order p must satisfy every condition above up to p with each
/// b, c, A replaced independently by either tableau's (Kennedy &amp; Carpenter 2003; Ascher, Ruuth, Spiteri 1997):
/// up to order 3 these are sum beta = 1; sum beta gamma = 1/2; sum beta gamma delta = 1/3;
/// sum beta alpha gamma = 1/6 for beta in {b, bh}, alpha in {A, Ah}, gamma, delta in {c, ch}.</para>
/// </remarks>
internal static class OrderConditions
{
    /// <summary>The highest order this analysis checks for a single tableau.</summary>
    public const int MaxExplicitOrder = 5;

    /// <summary>The highest order this analysis checks for an additive pair (coupling conditions included).</summary>
    public const int MaxPairOrder = 3;

    private static readonly double Tolerance = 1e-12;

    private sealed class Tab
    {
        public Tab(string name, Rational[,] a, Rational[] b)
        {
            Name = name;
            A = a;
            B = b;
            int s = b.Length;
            C = new Rational[s];
            for (int i = 0; i < s; i++)
            {
                var sum = Rational.Zero;
                for (int j = 0; j < s; j++) sum += a[i, j];
                C[i] = sum;
            }
        }

        public string Name { get; }
        public Rational[,] A { get; }
        public Rational[] B { get; }
        public Rational[] C { get; }
    }

    /// <summary>All conditions up to <paramref name="maxOrder"/> for one tableau, in order.</summary>
    public static List<OrderCondition> Single(Rational[,] a, Rational[] b, bool exact, int maxOrder = MaxExplicitOrder)
    {
        var t = new Tab("", a, b);
        return Conditions(new[] { t }, new[] { t }, new[] { t }, exact, maxOrder, pair: false);
    }

    /// <summary>All conditions up to <paramref name="maxOrder"/> for an additive pair, coupling conditions included.</summary>
    public static List<OrderCondition> Pair(Rational[,] a, Rational[] b, Rational[,] ah, Rational[] bh, bool exact, int maxOrder = MaxPairOrder)
    {
        var e = new Tab("", a, b);
        var i = new Tab("^", ah, bh);
        var both = new[] { e, i };
        return Conditions(both, both, both, exact, Math.Min(maxOrder, MaxPairOrder), pair: true);
    }

    /// <summary>The largest p such that every condition of order &lt;= p holds (0 when even consistency fails).</summary>
    public static int AchievedOrder(IEnumerable<OrderCondition> conditions, int maxChecked)
    {
        var list = conditions.ToList();
        for (int p = 1; p <= maxChecked; p++)
            if (list.Any(c => c.Order == p && !c.Holds)) return p - 1;
        return maxChecked;
    }

    private static List<OrderCondition> Conditions(Tab[] bs, Tab[] cs, Tab[] as_, bool exact, int maxOrder, bool pair)
    {
        var result = new List<OrderCondition>();
        int s = bs[0].B.Length;
        string B(Tab t) => "b" + t.Name;
        string Cn(Tab t) => "c" + t.Name;
        string An(Tab t) => "A" + t.Name;

        void Add(int order, string name, Rational value, Rational expected, double approx)
        {
            bool holds = exact ? value == expected : Math.Abs(approx - expected.ToDouble()) <= Tolerance;
            result.Add(new OrderCondition(order, name + " = " + expected, holds,
                name + " = " + (exact ? value.ToString() : approx.ToString("R", System.Globalization.CultureInfo.InvariantCulture)) + ", needs " + expected));
        }

        // Order 1: sum b_i = 1
        foreach (var tb in bs)
        {
            var v = Rational.Zero; double d = 0;
            for (int i = 0; i < s; i++) { v += tb.B[i]; d += tb.B[i].ToDouble(); }
            Add(1, "sum " + B(tb) + "_i", v, Rational.One, d);
        }
        if (maxOrder < 2) return result;

        // Order 2: sum b_i c_i = 1/2
        foreach (var tb in bs)
            foreach (var tc in cs)
            {
                var v = Rational.Zero; double d = 0;
                for (int i = 0; i < s; i++) { v += tb.B[i] * tc.C[i]; d += tb.B[i].ToDouble() * tc.C[i].ToDouble(); }
                Add(2, "sum " + B(tb) + "_i " + Cn(tc) + "_i", v, new Rational(1, 2), d);
            }
        if (maxOrder < 3) return result;

        // Order 3: sum b_i c_i c'_i = 1/3 (unordered pairs of c), sum b_i a_ij c_j = 1/6
        foreach (var tb in bs)
            for (int x = 0; x < cs.Length; x++)
                for (int y = x; y < cs.Length; y++)
                {
                    var v = Rational.Zero; double d = 0;
                    for (int i = 0; i < s; i++) { v += tb.B[i] * cs[x].C[i] * cs[y].C[i]; d += tb.B[i].ToDouble() * cs[x].C[i].ToDouble() * cs[y].C[i].ToDouble(); }
                    Add(3, "sum " + B(tb) + "_i " + Cn(cs[x]) + "_i " + Cn(cs[y]) + "_i", v, new Rational(1, 3), d);
                }
        foreach (var tb in bs)
            foreach (var ta in as_)
                foreach (var tc in cs)
                {
                    var v = Rational.Zero; double d = 0;
                    for (int i = 0; i < s; i++)
                        for (int j = 0; j < s; j++)
                        {
                            v += tb.B[i] * ta.A[i, j] * tc.C[j];
                            d += tb.B[i].ToDouble() * ta.A[i, j].ToDouble() * tc.C[j].ToDouble();
                        }
                    Add(3, "sum " + B(tb) + "_i " + An(ta) + "_ij " + Cn(tc) + "_j", v, new Rational(1, 6), d);
                }
        if (maxOrder < 4 || pair) return result;

        // Order 4 (single tableau only).
        var t = bs[0];
        {
            var v = Rational.Zero; double d = 0;
            for (int i = 0; i < s; i++) { v += t.B[i] * t.C[i] * t.C[i] * t.C[i]; d += t.B[i].ToDouble() * Math.Pow(t.C[i].ToDouble(), 3); }
            Add(4, "sum b_i c_i^3", v, new Rational(1, 4), d);
        }
        Rational v2 = Rational.Zero, v3 = Rational.Zero, v4 = Rational.Zero;
        double d2 = 0, d3 = 0, d4 = 0;
        for (int i = 0; i < s; i++)
            for (int j = 0; j < s; j++)
            {
                v2 += t.B[i] * t.C[i] * t.A[i, j] * t.C[j];
                d2 += t.B[i].ToDouble() * t.C[i].ToDouble() * t.A[i, j].ToDouble() * t.C[j].ToDouble();
                v3 += t.B[i] * t.A[i, j] * t.C[j] * t.C[j];
                d3 += t.B[i].ToDouble() * t.A[i, j].ToDouble() * Math.Pow(t.C[j].ToDouble(), 2);
                for (int k = 0; k < s; k++)
                {
                    v4 += t.B[i] * t.A[i, j] * t.A[j, k] * t.C[k];
                    d4 += t.B[i].ToDouble() * t.A[i, j].ToDouble() * t.A[j, k].ToDouble() * t.C[k].ToDouble();
                }
            }
        Add(4, "sum b_i c_i a_ij c_j", v2, new Rational(1, 8), d2);
        Add(4, "sum b_i a_ij c_j^2", v3, new Rational(1, 12), d3);
        Add(4, "sum b_i a_ij a_jk c_k", v4, new Rational(1, 24), d4);
        if (maxOrder < 5) return result;

        // Order 5, in vector form: products of vectors are elementwise, A v the matrix product.
        var c = t.C;
        var ac = MatVec(t.A, c);
        var c2 = Times(c, c);
        var aac = MatVec(t.A, ac);
        void Add5(string name, Rational[] vector, int denominator)
        {
            var v = Rational.Zero; double d = 0;
            for (int i = 0; i < s; i++) { v += t.B[i] * vector[i]; d += t.B[i].ToDouble() * vector[i].ToDouble(); }
            Add(5, name, v, new Rational(1, denominator), d);
        }
        Add5("sum b_i c_i^4", Times(c2, c2), 5);
        Add5("sum b_i c_i^2 a_ij c_j", Times(c2, ac), 10);
        Add5("sum b_i c_i a_ij c_j^2", Times(c, MatVec(t.A, c2)), 15);
        Add5("sum b_i c_i a_ij a_jk c_k", Times(c, aac), 30);
        Add5("sum b_i (a_ij c_j)^2", Times(ac, ac), 20);
        Add5("sum b_i a_ij c_j^3", MatVec(t.A, Times(c2, c)), 20);
        Add5("sum b_i a_ij c_j a_jk c_k", MatVec(t.A, Times(c, ac)), 40);
        Add5("sum b_i a_ij a_jk c_k^2", MatVec(t.A, MatVec(t.A, c2)), 60);
        Add5("sum b_i a_ij a_jk a_kl c_l", MatVec(t.A, aac), 120);
        return result;
    }

    private static Rational[] Times(Rational[] x, Rational[] y)
    {
        var r = new Rational[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = x[i] * y[i];
        return r;
    }

    private static Rational[] MatVec(Rational[,] a, Rational[] x)
    {
        var r = new Rational[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            var sum = Rational.Zero;
            for (int j = 0; j < x.Length; j++) sum += a[i, j] * x[j];
            r[i] = sum;
        }
        return r;
    }
}
