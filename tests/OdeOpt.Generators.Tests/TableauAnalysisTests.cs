using System;
using System.Collections.Generic;
using System.Linq;
using OdeOpt.Generators.Analysis;
using OdeOpt.Generators.Model;
using OdeOpt.Generators.Parsing;
using Xunit;

namespace OdeOpt.Generators.Tests;

/// <summary>
/// The tableau analysis on its own (order conditions, linear stability), called directly on the internal classes
/// with the tableaux written as a user writes them. Known values: Hairer, Nørsett &amp; Wanner, Solving ODEs I (RK
/// orders, stability intervals); Ascher, Ruuth &amp; Spiteri 1997 (IMEX pairs); Gottlieb &amp; Shu 1998 (TVD-RK3).
/// </summary>
public class TableauAnalysisTests
{
    /// <summary>A parsed tableau: exact entries and whether every entry was exact (no long decimal).</summary>
    internal sealed record Tableau(Rational[,] A, Rational[] B, bool Exact);

    internal static Tableau Parse(string a, string b)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var model = TableauParser.Build("tableau", a, b, null, null, diagnostics);
        Assert.True(model is not null && diagnostics.Count == 0, "the tableau does not parse: " + string.Join("; ", diagnostics));
        int s = model!.Stages;
        var matrix = new Rational[s, s];
        for (int i = 0; i < s; i++)
            for (int j = 0; j < s; j++)
                matrix[i, j] = model[i, j];
        return new Tableau(matrix, model.B.ToArray(), model.Exact);
    }

    private static int ExplicitOrder(string a, string b)
    {
        var t = Parse(a, b);
        return OrderConditions.AchievedOrder(OrderConditions.Single(t.A, t.B, t.Exact), OrderConditions.MaxExplicitOrder);
    }

    private static int ImplicitOrder(string a, string b)
    {
        var t = Parse(a, b);
        return OrderConditions.AchievedOrder(OrderConditions.Single(t.A, t.B, t.Exact, maxOrder: 3), 3);
    }

    private static List<OrderCondition> PairConditions(string a, string b, string ah, string bh)
    {
        var e = Parse(a, b);
        var i = Parse(ah, bh);
        return OrderConditions.Pair(e.A, e.B, i.A, i.B, e.Exact && i.Exact);
    }

    private static int PairOrder(string a, string b, string ah, string bh) =>
        OrderConditions.AchievedOrder(PairConditions(a, b, ah, bh), OrderConditions.MaxPairOrder);

    // ------------------------------------------------------------------ order 5 and embedded pairs
    // The classical embedded pairs with their coefficients as published: Heun-Euler 2(1); Bogacki & Shampine, Appl. Math.
    // Lett. 2 (1989) 3(2); Dormand & Prince, J. Comput. Appl. Math. 6 (1980) 5(4); Fehlberg (NASA TR R-315, 1969) 4(5).

    internal const string Dp5A = "0 0 0 0 0 0 0; 1/5 0 0 0 0 0 0; 3/40 9/40 0 0 0 0 0; 44/45 -56/15 32/9 0 0 0 0; " +
        "19372/6561 -25360/2187 64448/6561 -212/729 0 0 0; 9017/3168 -355/33 46732/5247 49/176 -5103/18656 0 0; " +
        "35/384 0 500/1113 125/192 -2187/6784 11/84 0";
    internal const string Dp5B = "35/384 0 500/1113 125/192 -2187/6784 11/84 0";
    internal const string Dp5BHat = "5179/57600 0 7571/16695 393/640 -92097/339200 187/2100 1/40";
    internal const string Bs3A = "0 0 0 0; 1/2 0 0 0; 0 3/4 0 0; 2/9 1/3 4/9 0";
    internal const string Bs3B = "2/9 1/3 4/9 0";
    internal const string Bs3BHat = "7/24 1/4 1/3 1/8";
    internal const string Rkf45A = "0 0 0 0 0 0; 1/4 0 0 0 0 0; 3/32 9/32 0 0 0 0; 1932/2197 -7200/2197 7296/2197 0 0 0; " +
        "439/216 -8 3680/513 -845/4104 0 0; -8/27 2 -3544/2565 1859/4104 -11/40 0";
    internal const string Rkf45B4 = "25/216 0 1408/2565 2197/4104 -1/5 0";
    internal const string Rkf45B5 = "16/135 0 6656/12825 28561/56430 -9/50 2/55";

    [Theory]
    [InlineData("0 0; 1 0", "1/2 1/2", 2, "1 0", 1)]   // Heun-Euler 2(1)
    [InlineData(Bs3A, Bs3B, 3, Bs3BHat, 2)]           // Bogacki-Shampine 3(2)
    [InlineData(Dp5A, Dp5B, 5, Dp5BHat, 4)]           // Dormand-Prince 5(4)
    [InlineData(Rkf45A, Rkf45B4, 4, Rkf45B5, 5)]      // Fehlberg 4(5): the fourth-order solution propagated
    public void EmbeddedPairsHaveTheirPublishedOrders(string a, string b, int order, string bHat, int embedded)
    {
        Assert.Equal(order, ExplicitOrder(a, b));
        Assert.Equal(embedded, ExplicitOrder(a, bHat));
    }

    [Fact]
    public void OrderFiveIsCheckedAndOneChangedEntryLosesIt()
    {
        // All 17 conditions up to order 5: DP5 meets them, classical RK4 stops at 4.
        var dp5 = Parse(Dp5A, Dp5B);
        var conditions = OrderConditions.Single(dp5.A, dp5.B, dp5.Exact);
        Assert.Equal(17, conditions.Count);
        Assert.All(conditions, c => Assert.True(c.Holds, c.Detail));
        Assert.Equal(4, ExplicitOrder("0 0 0 0; 1/2 0 0 0; 0 1/2 0 0; 0 0 1 0", "1/6 1/3 1/3 1/6"));
        // a_65 = -5103/18656 -> -5104/18656 changes c_6 and breaks the order (to 1: sum b_i c_i no longer 1/2).
        Assert.Equal(1, ExplicitOrder(Dp5A.Replace("-5103/18656", "-5104/18656"), Dp5B));
        // RKF45's fifth-order weights with one weight moved (2/55 -> 3/55): no longer consistent.
        Assert.Equal(0, ExplicitOrder(Rkf45A, Rkf45B5.Replace("2/55", "3/55")));
        // Kutta's 3/8 rule meets every condition up to order 4 and some of order 5 fail.
        var k38 = Parse("0 0 0 0; 1/3 0 0 0; -1/3 1 0 0; 1 -1 1 0", "1/8 3/8 3/8 1/8");
        var c38 = OrderConditions.Single(k38.A, k38.B, k38.Exact);
        Assert.All(c38.Where(c => c.Order <= 4), c => Assert.True(c.Holds, c.Detail));
        Assert.Contains(c38, c => c.Order == 5 && !c.Holds);
    }

    private static double Bound(string a, string b)
    {
        var t = Parse(a, b);
        return Stability.ExplicitBound(t.A, t.B);
    }

    // ------------------------------------------------------------------ explicit tableaux

    private const string ForwardEulerA = "0", ForwardEulerB = "1";
    private const string HeunA = "0 0; 1 0", HeunB = "1/2 1/2";
    private const string MidpointA = "0 0; 1/2 0", MidpointB = "0 1";
    private const string Rk4A = "0 0 0 0; 1/2 0 0 0; 0 1/2 0 0; 0 0 1 0", Rk4B = "1/6 1/3 1/3 1/6";
    private const string TvdRk3A = "0 0 0; 1 0 0; 1/4 1/4 0", TvdRk3B = "1/6 1/6 2/3";
    // Kutta's 3/8 rule: a second fourth-order method, so that order 4 is not just RK4.
    private const string ThreeEighthsA = "0 0 0 0; 1/3 0 0 0; -1/3 1 0 0; 1 -1 1 0", ThreeEighthsB = "1/8 3/8 3/8 1/8";

    [Theory]
    [InlineData("forward Euler", ForwardEulerA, ForwardEulerB, 1)]
    [InlineData("Heun", HeunA, HeunB, 2)]
    [InlineData("explicit midpoint", MidpointA, MidpointB, 2)]
    [InlineData("TVD-RK3 (Shu-Osher)", TvdRk3A, TvdRk3B, 3)]
    [InlineData("classical RK4", Rk4A, Rk4B, 4)]
    [InlineData("3/8 rule", ThreeEighthsA, ThreeEighthsB, 4)]
    // One entry changed: the order drops to the last order whose conditions still hold.
    [InlineData("RK4 with b = (1/6 1/6 1/2 1/6): sum b_i a_ij c_j = 5/24", Rk4A, "1/6 1/6 1/2 1/6", 2)]
    [InlineData("RK4 with a_43 = 1/2: c_4 = 1/2, sum b_i c_i = 5/12", "0 0 0 0; 1/2 0 0 0; 0 1/2 0 0; 0 0 1/2 0", Rk4B, 1)]
    [InlineData("RK4 with a_32 = 1/4: c_3 = 1/4, sum b_i c_i = 5/12", "0 0 0 0; 1/2 0 0 0; 0 1/4 0 0; 0 0 1 0", Rk4B, 1)]
    [InlineData("TVD-RK3 with a_31 = 1/2: sum b_i c_i = 1/6 + 2/3 * 3/4", "0 0 0; 1 0 0; 1/2 1/4 0", TvdRk3B, 1)]
    [InlineData("Heun with b = (1/3 2/3)", HeunA, "1/3 2/3", 1)]
    [InlineData("forward Euler with b = 2", ForwardEulerA, "2", 0)]
    public void ExplicitOrders(string scheme, string a, string b, int order) =>
        Assert.True(ExplicitOrder(a, b) == order, scheme + ": expected order " + order + " but got " + ExplicitOrder(a, b));

    [Fact]
    public void OrderFourHasTheEightTreeConditions()
    {
        var t = Parse(Rk4A, Rk4B);
        var conditions = OrderConditions.Single(t.A, t.B, t.Exact);
        Assert.Equal(new[] { 1, 1, 2, 4, 9 }, Enumerable.Range(1, 5).Select(p => conditions.Count(c => c.Order == p)).ToArray());
        Assert.All(conditions.Where(c => c.Order <= 4), c => Assert.True(c.Holds, c.Detail));
        Assert.Contains(conditions, c => c.Order == 5 && !c.Holds); // RK4 is not of order 5
        // The broken RK4 names the failing tree with its value.
        var broken = Parse(Rk4A, "1/6 1/6 1/2 1/6");
        var failing = OrderConditions.Single(broken.A, broken.B, broken.Exact).First(c => !c.Holds);
        Assert.Equal(3, failing.Order);
        Assert.Equal("sum b_i A_ij c_j = 5/24, needs 1/6", failing.Detail);
    }

    [Theory]
    [InlineData("forward Euler: |1 + z| <= 1", ForwardEulerA, ForwardEulerB, 2.0)]
    [InlineData("Heun: 1 + z + z^2/2", HeunA, HeunB, 2.0)]
    [InlineData("explicit midpoint: the same polynomial as Heun", MidpointA, MidpointB, 2.0)]
    [InlineData("TVD-RK3: 1 + z + z^2/2 + z^3/6", TvdRk3A, TvdRk3B, 2.5127453266183286)]
    [InlineData("RK4: 1 + z + ... + z^4/24", Rk4A, Rk4B, 2.785293563405282)]
    [InlineData("3/8 rule: the same polynomial as RK4", ThreeEighthsA, ThreeEighthsB, 2.785293563405282)]
    public void StabilityBounds(string scheme, string a, string b, double expected)
    {
        double bound = Bound(a, b);
        Assert.True(Math.Abs(bound - expected) < 1e-9, scheme + ": expected " + expected.ToString("R") + " but got " + bound.ToString("R"));
    }

    [Fact]
    public void StabilityFunctionOfRk4IsItsTaylorPolynomial()
    {
        var t = Parse(Rk4A, Rk4B);
        var (p, q) = Stability.Function(t.A, t.B);
        Assert.Equal("1 + z + 1/2 z^2 + 1/6 z^3 + 1/24 z^4", p.ToString());
        Assert.Equal("1", q.ToString());
    }

    // ------------------------------------------------------------------ implicit tableaux (order conditions up to 3)

    [Theory]
    [InlineData("backward Euler", "1", "1", 1)]
    [InlineData("implicit midpoint", "1/2", "1", 2)]
    [InlineData("trapezoidal (Crank-Nicolson)", "0 0; 1/2 1/2", "1/2 1/2", 2)]
    [InlineData("2-stage SDIRK, gamma = (3 + sqrt 3)/6", "0.788675134594812882254574390251 0; -0.577350269189625764509148780502 0.788675134594812882254574390251", "1/2 1/2", 3)]
    [InlineData("SDIRK with gamma rounded to 8 digits (taken as exact)", "0.78867513 0; -0.57735026 0.78867513", "1/2 1/2", 2)]
    [InlineData("Crank-Nicolson with b = (1/3 2/3)", "0 0; 1/2 1/2", "1/3 2/3", 1)]
    public void ImplicitOrders(string scheme, string a, string b, int order) =>
        Assert.True(ImplicitOrder(a, b) == order, scheme + ": expected order " + order + " but got " + ImplicitOrder(a, b));

    [Theory]
    [InlineData("backward Euler", "1", "1", true, true)]
    [InlineData("implicit midpoint", "1/2", "1", true, false)]
    [InlineData("trapezoidal", "0 0; 1/2 1/2", "1/2 1/2", true, false)]
    [InlineData("explicit Euler as an 'implicit' tableau", "0 0; 1 0", "1/2 1/2", false, false)]
    [InlineData("negative diagonal: a pole in the left half-plane", "-1/2", "1", false, false)]
    [InlineData("theta method, theta = 1/4 (not A-stable)", "0 0; 3/4 1/4", "3/4 1/4", false, false)]
    public void ImplicitStability(string scheme, string a, string b, bool aStable, bool lStable)
    {
        var t = Parse(a, b);
        var (isA, isL, _) = Stability.Implicit(t.A, t.B);
        Assert.True((isA, isL) == (aStable, lStable), scheme + ": expected A " + aStable + ", L " + lStable + " but got A " + isA + ", L " + isL);
    }

    // ------------------------------------------------------------------ IMEX pairs (coupling conditions)

    [Fact]
    public void PairConditionsIncludeTheImplicitAndTheCouplingTrees()
    {
        var conditions = PairConditions(HeunA, HeunB, "0 0; 1/2 1/2", "1/2 1/2");
        // Order 1: b, bh. Order 2: b/bh x c/ch. Order 3: b/bh x {cc, c ch, ch ch} and b/bh x A/Ah x c/ch.
        Assert.Equal(new[] { 2, 4, 14 }, Enumerable.Range(1, 3).Select(p => conditions.Count(c => c.Order == p)).ToArray());
        Assert.Contains(conditions, c => c.Order == 3 && c.Name.StartsWith("sum b^_i A^_ij c^_j", StringComparison.Ordinal));
        Assert.Contains(conditions, c => c.Order == 3 && c.Name.StartsWith("sum b_i A^_ij c_j", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("IMEX Euler", "Euler", 1)]
    [InlineData("IMEX trapezoidal", "Trapezoidal", 2)]
    [InlineData("IMEX midpoint", "Midpoint", 2)]
    [InlineData("ARS(2,2,2)", "Ars222", 2)]
    [InlineData("ARS(2,3,3)", "Ars233", 3)]
    public void NamedPairOrders(string scheme, string name, int order)
    {
        var p = NamedTableaux.Pairs[name];
        Assert.True(PairOrder(p.ExplicitA, p.ExplicitB, p.ImplicitA, p.ImplicitB) == order, scheme + ": expected order " + order);
    }

    [Theory]
    // Each pair with one entry changed.
    [InlineData("IMEX trapezoidal, implicit b = (1/3 2/3)", "0 0; 1 0", "1/2 1/2", "0 0; 1/2 1/2", "1/3 2/3", 1)]
    [InlineData("IMEX trapezoidal, implicit a_21 = 1/4: ch_2 = 3/4", "0 0; 1 0", "1/2 1/2", "0 0; 1/4 1/2", "1/2 1/2", 1)]
    [InlineData("IMEX midpoint, explicit a_21 = 1: c_2 = 1 but ch_2 = 1/2", "0 0; 1 0", "0 1", "0 0; 0 1/2", "0 1", 1)]
    [InlineData("IMEX Euler, implicit b = (1/2 1/2)", "0 0; 1 0", "1 0", "0 0; 0 1", "1/2 1/2", 1)]
    [InlineData("IMEX Euler, explicit b = (1 1)", "0 0; 1 0", "1 1", "0 0; 0 1", "0 1", 0)]
    [InlineData("ARS(2,2,2), explicit a_31 = -0.7: c_3 != 1 breaks sum bh_i c_i",
        "0 0 0; 0.292893218813452475599155637895 0 0; -0.7 1.70710678118654752440084436210 0", "-0.707106781186547524400844362105 1.70710678118654752440084436210 0",
        "0 0 0; 0 0.292893218813452475599155637895 0; 0 0.707106781186547524400844362105 0.292893218813452475599155637895", "0 0.707106781186547524400844362105 0.292893218813452475599155637895", 1)]
    [InlineData("ARS(2,3,3), implicit b = (0 1/3 2/3)",
        "0 0 0; 0.788675134594812882254574390251 0 0; -0.211324865405187117745425609749 0.422649730810374235490851219498 0", "0 1/2 1/2",
        "0 0 0; 0 0.788675134594812882254574390251 0; 0 -0.577350269189625764509148780502 0.788675134594812882254574390251", "0 1/3 2/3", 1)]
    [InlineData("ARS(2,3,3), implicit diagonal 0.79 in the last stage: only order-3 conditions fail",
        "0 0 0; 0.788675134594812882254574390251 0 0; -0.211324865405187117745425609749 0.422649730810374235490851219498 0", "0 1/2 1/2",
        "0 0 0; 0 0.788675134594812882254574390251 0; 0 -0.578675134594812882254574390251 0.79", "0 1/2 1/2", 2)]
    public void BrokenPairsDropToTheRightOrder(string scheme, string a, string b, string ah, string bh, int order)
    {
        int actual = PairOrder(a, b, ah, bh);
        Assert.True(actual == order, scheme + ": expected order " + order + " but got " + actual);
    }

    [Fact]
    public void DecimalsAreComparedWithATolerance()
    {
        // ARS(2,3,3) with gamma to 30 digits is not exactly third order; within 1e-12 it is.
        var p = NamedTableaux.Pairs["Ars233"];
        var conditions = PairConditions(p.ExplicitA, p.ExplicitB, p.ImplicitA, p.ImplicitB);
        Assert.All(conditions, c => Assert.True(c.Holds, c.Detail));
        Assert.False(Parse(p.ExplicitA, p.ExplicitB).Exact);
        // The same pair read as exact rationals fails (the decimals are not (3 + sqrt 3)/6).
        var e = Parse(p.ExplicitA, p.ExplicitB);
        var i = Parse(p.ImplicitA, p.ImplicitB);
        Assert.Contains(OrderConditions.Pair(e.A, e.B, i.A, i.B, exact: true), c => !c.Holds);
    }

    // ------------------------------------------------------------------ every named pair (ARKODE style)

    public static TheoryData<string> NamedPairNames()
    {
        var data = new TheoryData<string>();
        foreach (var name in NamedTableaux.EnumOrder) data.Add(name);
        return data;
    }

    /// <summary>Every built-in pair has the order, stage count and implicit stability its table entry declares, its
    /// explicit half is explicit and its implicit half diagonally implicit, and C would be the row sums.</summary>
    [Theory]
    [MemberData(nameof(NamedPairNames))]
    public void EveryNamedPairHasItsDeclaredProperties(string name)
    {
        var p = NamedTableaux.Pairs[name];
        Assert.Equal(name, p.Name);
        var e = Parse(p.ExplicitA, p.ExplicitB);
        var i = Parse(p.ImplicitA, p.ImplicitB);
        int s = e.B.Length;
        Assert.Equal(p.Stages, s);
        Assert.Equal(s, i.B.Length);
        for (int r = 0; r < s; r++)
            for (int c = 0; c < s; c++)
            {
                if (c >= r) Assert.True(e.A[r, c].IsZero, name + ": explicit A[" + r + "," + c + "] is not zero");
                if (c > r) Assert.True(i.A[r, c].IsZero, name + ": implicit A[" + r + "," + c + "] is not zero");
            }
        var conditions = OrderConditions.Pair(e.A, e.B, i.A, i.B, e.Exact && i.Exact);
        Assert.Equal(p.Order, OrderConditions.AchievedOrder(conditions, OrderConditions.MaxPairOrder));
        var (aStable, lStable, _) = Stability.Implicit(i.A, i.B);
        Assert.True(p.ImplicitAStable == aStable, name + ": implicit A-stability");
        Assert.True(p.ImplicitLStable == lStable, name + ": implicit L-stability");
        Assert.True(Math.Abs(Stability.ExplicitBound(e.A, e.B) - p.ExplicitStabilityBound) < 1e-6, name + ": explicit stability bound " + Stability.ExplicitBound(e.A, e.B));
        Assert.Contains(p.Name, typeof(ImexSchemes).GetEnumNames());
    }

    [Fact]
    public void EveryImexSchemesMemberIsANamedPair() =>
        Assert.Equal(typeof(ImexSchemes).GetEnumNames(), NamedTableaux.EnumOrder);

    // ------------------------------------------------------------------ the same through the generator (Info)

    /// <summary>The order and stability the generated <c>Info</c> states for a declaration with a named pair.</summary>
    [Theory]
    [InlineData("Euler", 1, true, true)]
    [InlineData("Trapezoidal", 2, true, false)]
    [InlineData("Midpoint", 2, true, false)]
    [InlineData("Ars222", 2, true, true)]
    [InlineData("Ars233", 3, true, false)]
    public void GeneratedInfoOfANamedPair(string name, int order, bool aStable, bool lStable)
    {
        var run = GeneratorHarness.Run($$"""
            using OdeOpt;

            [Optimizer("o", Order = {{order}})]
            [ImexScheme(ImexSchemes.{{name}})]
            public partial class O
            {
                [Explicit("m")] static float M(float g, float m) => g - m;
                [Implicit("theta")] static float Theta(float m) => -m;
            }
            """);
        run.AssertClean();
        string text = run.Single().Text;
        Assert.Contains("    Order = " + order + ",", text);
        Assert.Contains("    ImplicitAStable = " + (aStable ? "true" : "false") + ",", text);
        Assert.Contains("    ImplicitLStable = " + (lStable ? "true" : "false") + ",", text);
    }

    [Theory]
    [InlineData(ForwardEulerA, ForwardEulerB, 1, 2.0)]
    [InlineData(HeunA, HeunB, 2, 2.0)]
    [InlineData(TvdRk3A, TvdRk3B, 3, 2.5127453266183286)]
    [InlineData(Rk4A, Rk4B, 4, 2.785293563405282)]
    public void GeneratedInfoOfAnExplicitScheme(string a, string b, int order, double bound)
    {
        var run = GeneratorHarness.Run($$"""
            using OdeOpt;

            [Optimizer("o", Order = {{order}})]
            [ExplicitTableau("{{a}}", B = "{{b}}")]
            public partial class O
            {
                [Explicit("theta")] static float Theta(float g) => -g;
            }
            """);
        run.AssertClean();
        string text = run.Single().Text;
        Assert.Contains("    Order = " + order + ",", text);
        var match = System.Text.RegularExpressions.Regex.Match(text, @"    StabilityBound = ([0-9.E+-]+)d,");
        Assert.True(match.Success, "no StabilityBound in the generated Info");
        double value = double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Math.Abs(value - bound) < 1e-9, "StabilityBound = " + value.ToString("R") + ", expected " + bound.ToString("R"));
        Assert.DoesNotContain("ImplicitAStable", text);
    }
}
