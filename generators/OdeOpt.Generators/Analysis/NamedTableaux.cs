using System.Collections.Generic;

namespace OdeOpt.Generators.Analysis;

/// <summary>A named IMEX pair, kept as the exact strings a user would write in the tableau attributes, with the
/// properties a test checks against the analysis (ARKODE style: every entry is verified, nothing is taken on trust).</summary>
/// <param name="Name">The <c>ImexSchemes</c> member name.</param>
/// <param name="ExplicitA">Explicit A.</param>
/// <param name="ExplicitB">Explicit b.</param>
/// <param name="ImplicitA">Implicit A (diagonally implicit).</param>
/// <param name="ImplicitB">Implicit b.</param>
/// <param name="Stages">The number of stages s.</param>
/// <param name="Order">The order of the pair, coupling conditions included.</param>
/// <param name="ImplicitAStable">Whether the implicit part is A-stable.</param>
/// <param name="ImplicitLStable">Whether the implicit part is L-stable.</param>
/// <param name="ExplicitStabilityBound">The explicit part's real stability interval [-beta, 0].</param>
/// <param name="Citation">Where the pair comes from.</param>
internal sealed record NamedPair(string Name, string ExplicitA, string ExplicitB, string ImplicitA, string ImplicitB,
    int Stages, int Order, bool ImplicitAStable, bool ImplicitLStable, double ExplicitStabilityBound, string Citation);

/// <summary>
/// The built-in named IMEX pairs (<c>[ImexScheme(ImexSchemes.X)]</c>).
/// <code>
/// name          stages  order  implicit part                       explicit beta  gradients/step (Adam RHS)
/// Euler         2       1      backward Euler, A- and L-stable     2              1
/// Trapezoidal   2       2      trapezoidal, A-stable, not L        2              1 (first same as last)
/// Midpoint      2       2      implicit midpoint, A-stable, not L  2              2
/// Ars222        3       2      SDIRK, A- and L-stable              2              2
/// Ars233        3       3      SDIRK, A-stable, not L              2.5127         2
/// </code>
/// Irrational entries are given to 30 significant digits (compared with a 1e-12 tolerance). TableauAnalysisTests
/// checks every row of this table against the order conditions and the stability analysis.
/// </summary>
internal static class NamedTableaux
{
    // ARS(2,2,2): gamma = 1 - 1/sqrt(2), delta = 1 - 1/(2 gamma).
    private const string Ars222Gamma = "0.292893218813452475599155637895";
    private const string Ars222OneMinusGamma = "0.707106781186547524400844362105";
    private const string Ars222Delta = "-0.707106781186547524400844362105";
    private const string Ars222OneMinusDelta = "1.70710678118654752440084436210";

    // ARS(2,3,3): gamma = (3 + sqrt(3)) / 6.
    private const string Ars233Gamma = "0.788675134594812882254574390251";
    private const string Ars233GammaMinusOne = "-0.211324865405187117745425609749";
    private const string Ars233TwoOneMinusGamma = "0.422649730810374235490851219498";
    private const string Ars233OneMinusTwoGamma = "-0.577350269189625764509148780502";

    public static readonly IReadOnlyDictionary<string, NamedPair> Pairs = new Dictionary<string, NamedPair>
    {
        ["Euler"] = new("Euler",
            "0 0; 1 0", "1 0",
            "0 0; 0 1", "0 1",
            2, 1, ImplicitAStable: true, ImplicitLStable: true, 2.0,
            "forward/backward Euler; Adam as IMEX Euler: Bhattacharjee et al., arXiv 2403.13704"),
        ["Trapezoidal"] = new("Trapezoidal",
            "0 0; 1 0", "1/2 1/2",
            "0 0; 1/2 1/2", "1/2 1/2",
            2, 2, ImplicitAStable: true, ImplicitLStable: false, 2.0,
            "Heun + Crank–Nicolson; Bhattacharjee et al., arXiv 2403.13704"),
        ["Midpoint"] = new("Midpoint",
            "0 0; 1/2 0", "0 1",
            "0 0; 0 1/2", "0 1",
            2, 2, ImplicitAStable: true, ImplicitLStable: false, 2.0,
            "explicit/implicit midpoint; Ascher, Ruuth, Spiteri, Appl. Numer. Math. 25 (1997)"),
        ["Ars222"] = new("Ars222",
            $"0 0 0; {Ars222Gamma} 0 0; {Ars222Delta} {Ars222OneMinusDelta} 0", $"{Ars222Delta} {Ars222OneMinusDelta} 0",
            $"0 0 0; 0 {Ars222Gamma} 0; 0 {Ars222OneMinusGamma} {Ars222Gamma}", $"0 {Ars222OneMinusGamma} {Ars222Gamma}",
            3, 2, ImplicitAStable: true, ImplicitLStable: true, 2.0,
            "ARS(2,2,2), Ascher, Ruuth, Spiteri, Appl. Numer. Math. 25 (1997), sec. 2.6"),
        ["Ars233"] = new("Ars233",
            $"0 0 0; {Ars233Gamma} 0 0; {Ars233GammaMinusOne} {Ars233TwoOneMinusGamma} 0", "0 1/2 1/2",
            $"0 0 0; 0 {Ars233Gamma} 0; 0 {Ars233OneMinusTwoGamma} {Ars233Gamma}", "0 1/2 1/2",
            3, 3, ImplicitAStable: true, ImplicitLStable: false, 2.512745326618329,
            "ARS(2,3,3), Ascher, Ruuth, Spiteri, Appl. Numer. Math. 25 (1997), sec. 2.7"),
    };

    /// <summary>The <c>ImexSchemes</c> enum members in declaration order (the attribute stores the ordinal).</summary>
    public static readonly string[] EnumOrder = { "Euler", "Trapezoidal", "Midpoint", "Ars222", "Ars233" };
}
