using System;
using System.Collections.Generic;
using System.Linq;
using OdeOpt.Compare.Problems;

namespace OdeOpt.Compare.Core;

/// <summary>Nakerst et al. Section 5 (RMSProp with momentum and super-acceleration): Fig. 7 on the parabola (eq. (17)) and
/// Fig. 8 on eq. (15). Every rule is fixed here, before any run.</summary>
public static partial class Claims
{
    /// <summary>The Fig. 7(b) rule: eta_0 is the smallest grid eta from which on (it and every larger grid eta) sigma* is
    /// defined, at least 2 (twice g ~ 1: "considerably larger") and T(sigma*) is at most 0.9 T(sigma = g) ("beneficial");
    /// reproduced when eta_0 exists and is at most 0.01 (the eta of Figs. 3 and 8, which the paper does not call very small).</summary>
    public static (bool Reproduced, double? Eta0, string Describe) RmsPropAboveG(IReadOnlyList<RmsPropSigmaStarProblem.Point> points, double g)
    {
        bool Good(RmsPropSigmaStarProblem.Point p) => p.Defined && p.Fitted >= 2 && p.TAtFitted <= 0.9 * p.TNesterov;
        double? eta0 = null;
        for (int i = points.Count - 1; i >= 0 && Good(points[i]); i--) eta0 = points[i].Eta;
        bool ok = eta0 is <= 0.0101;
        string text = $"{(ok ? "reproduced" : "not reproduced")}, sigma* >= 2 with T(sigma*) <= 0.9 T(g) from eta = {(eta0 is null ? "- (not even at the largest eta)" : F(eta0.Value))} on; "
            + string.Join(", ", points.Select(p => $"eta {F(p.Eta)}: sigma* {(p.Defined ? p.Fitted.ToString("F2", System.Globalization.CultureInfo.InvariantCulture) : "n/d")}, T {p.TAtFitted:F2} vs {p.TNesterov:F2} at g"));
        return (ok, eta0, text);
    }

    /// <summary>Nakerst et al. Section 5.1, Fig. 7: T(sigma) of eq. (17) and sigma* against eta. <paramref name="check"/> is
    /// the same fit from the second initial theta (evidence only).</summary>
    public static void RmsPropSigmaStar(ProblemReport report, IReadOnlyList<RmsPropSigmaStarProblem.Point> fitted, IReadOnlyList<RmsPropSigmaStarProblem.Point> check,
        IReadOnlyList<(double Eta, double[] Sigma, RmsPropSigmaStarProblem.Relaxation[] Relax)> curves, double g)
    {
        const string paper = RmsPropSigmaStarProblem.Paper;
        if (curves.Count > 0)
        {
            var shapes = curves.Select(c => RmsPropShape(c.Sigma, c.Relax)).ToArray();
            report.Claims.Add(new Claim("nakerst-fig7-rmsprop-T-minimum",
                $"{paper}, Section 5.1",
                "for small sigma we obtain oscillatory relaxation to the minimum theta = 0, and the relaxation time scale T decreases with increasing sigma, while above a 'critical' sigma the relaxation is non-oscillatory and increases with further increase of sigma. Thus there is an optimal value of sigma which minimizes T.",
                "at eta = 0.001, 0.01 and 0.1, on 41 values of sigma in [0, 20] from theta_0 = 1: theta_1..theta_n change sign at least twice in the fit window at sigma = 0 and never at sigma = 20; "
                + "the smallest T is at an interior sigma and at most half of T at either end; from sigma = 0 up to that minimum T never rises by more than 5% from one value to the next; "
                + "and from the critical sigma on (the smallest sigma above which no run changes sign) T never falls by more than 5% from one value to the next.",
                shapes.All(s => s.Ok),
                string.Join("; ", curves.Zip(shapes, (c, s) => $"eta = {F(c.Eta)}: {s.Text}"))));
        }
        if (fitted.Count > 0)
        {
            var (ok, _, text) = RmsPropAboveG(fitted, g);
            var (okCheck, _, _) = RmsPropAboveG(check, g);
            report.Claims.Add(new Claim("nakerst-fig7b-rmsprop-sigma-star-above-g",
                $"{paper}, Section 5.1",
                "From Figure 7(b) we conclude that a super-acceleration parameter sigma considerably larger than g ~ 1 is beneficial, as long as the learning parameter eta is not very small.",
                "from theta_0 = 1: there is a grid eta_0 <= 0.01 such that at eta_0 and every larger eta of the grid sigma* is defined (inside [0, 20]), sigma* >= 2 and T(sigma*) <= 0.9 T(sigma = g).",
                ok,
                $"{text}. Check from theta_0 = {F(RmsPropSigmaStarProblem.Theta0Check)}: {(okCheck ? "the rule holds" : "the rule does not hold")}."));
        }
    }

    /// <summary>The first Fig. 7 rule on one T(sigma) curve.</summary>
    private static (bool Ok, string Text) RmsPropShape(double[] sigma, RmsPropSigmaStarProblem.Relaxation[] relax)
    {
        int n = sigma.Length;
        var T = relax.Select(r => r.T).ToArray();
        bool oscillatesAtZero = relax[0].SignChanges >= 2, plainAtTop = relax[^1].SignChanges == 0;
        int min = Array.IndexOf(T, T.Min());
        bool interior = min > 0 && min < n - 1 && T[min] <= 0.5 * Math.Min(T[0], T[^1]);
        bool falls = Enumerable.Range(1, Math.Max(0, min)).All(i => T[i] <= 1.05 * T[i - 1]);
        int critical = n;
        while (critical > 0 && relax[critical - 1].SignChanges == 0) critical--;
        bool rises = Enumerable.Range(critical + 1, Math.Max(0, n - critical - 1)).All(i => T[i] >= 0.95 * T[i - 1]);
        bool ok = oscillatesAtZero && plainAtTop && interior && falls && rises;
        return (ok, $"{(interior ? "interior minimum at most half of the ends" : "minimum not interior or above half of the ends")}: sign changes {relax[0].SignChanges} at sigma = 0, {relax[^1].SignChanges} at sigma = 20; smallest T {T[min]:F2} at sigma = {F(sigma[min])} (T = {T[0]:F2} at 0, {T[^1]:F2} at 20); "
            + $"T {(falls ? "falls" : "does not fall monotonically")} up to it; critical sigma {(critical < n ? F(sigma[critical]) : "none")}, T {(rises ? "rises" : "does not rise monotonically")} above it");
    }

    /// <summary>Nakerst et al. Section 5.2, Fig. 8: RMSProp on eq. (15) at the caption's eta = 0.01 and the text's eta = 0.1,
    /// on the Euclidean distance to <paramref name="minimum"/>.</summary>
    public static void Nakerst2DRmsProp(ProblemReport report, IReadOnlyList<RunResult> caption, IReadOnlyList<RunResult> text, (double X, double Y) minimum)
    {
        const string paper = SigmaStarProblem.Paper;
        foreach (var (runs, tag, source, lead) in new[]
        {
            (caption, "eta0.01", $"{paper}, Fig. 8 caption; Section 5.2", "As in Figure 3, eta = 0.01 and the starting point is (theta_1, theta_2) = (-1, -3.8). [...] "),
            (text, "eta0.1", $"{paper}, Section 5.2", "In Figure 8, we show the minimization process for the two-parameter function, Eq. 15, explored in Subsection 3.1, for eta = 0.1 and the same starting point as in Figure 3. "),
        })
        {
            double[] Distance(RunResult r) => Nakerst2DProblem.DistanceCurve(r, minimum);
            var withPath = runs.WithSigma(_ => true).Where(r => Distance(r).Length > 20).ToArray();
            if (withPath.Length == 0) continue;
            double Final(RunResult r) => Distance(r)[^1];
            string eta = F(withPath[0].Setup.Get(OptimizerTable.RmsRate));
            string Finals(IEnumerable<RunResult> rs) => string.Join(", ", rs.Select(r => $"sigma = {F(OptimizerTable.SigmaOf(r.Setup))} {Final(r):G3}"));
            int steps = withPath[0].Trajectory!.Count - 1;

            var nesterov = withPath.FirstOrDefault(r => OptimizerTable.SigmaOf(r.Setup) == 0.9);
            var beyond = withPath.WithSigma(s => s is 2 or 3 or 4).ToArray();
            if (nesterov is not null && beyond.Length > 0)
            {
                var best = beyond.MinBy(Final)!;
                report.Claims.Add(new Claim($"nakerst-fig8-{tag}-faster-beyond-g",
                    source,
                    lead + "As in the non-adaptive case, the minimization becomes faster as sigma is increased beyond g ~ 1",
                    $"at eta = {eta}, after the {steps} steps of Fig. 3, the smallest distance to the minimum among sigma = 2, 3, 4 is at most 0.8 times the distance at sigma = g = 0.9.",
                    Final(best) <= 0.8 * Final(nesterov),
                    $"distance after {steps} steps: {Finals(withPath)}."));
            }

            // Settled elsewhere: over the last 20 iterates the distance stays above 0.5 and the iterates lie within 0.1 of each other.
            var bestAll = withPath.MinBy(Final)!;
            double bestSigma = OptimizerTable.SigmaOf(bestAll.Setup);
            var large = withPath.WithSigma(s => s > bestSigma).ToArray();
            (double Low, double Spread) Tail(RunResult r)
            {
                var path = r.Trajectory!.Skip(r.Trajectory!.Count - 20).ToArray();
                double spread = path.SelectMany(p => path.Select(q => Math.Sqrt(Math.Pow(p[0] - q[0], 2) + Math.Pow(p[1] - q[1], 2)))).Max();
                return (Distance(r).Skip(Distance(r).Length - 20).Min(), spread);
            }
            var stuck = large.Where(r => Tail(r) is { Low: > 0.5, Spread: < 0.1 }).ToArray();
            report.Claims.Add(new Claim($"nakerst-fig8-{tag}-too-large-converges-elsewhere",
                source,
                lead + "but when sigma is too large, nonlinearities cause the algorithm to converge elsewhere instead of at the minimum.",
                $"at eta = {eta}, at least one sigma larger than the sigma with the smallest final distance has, over the last 20 of the {steps} steps, a distance above 0.5 from the minimum and its 20 iterates within 0.1 of each other (settled elsewhere).",
                stuck.Length > 0,
                $"closest after {steps} steps: sigma = {F(bestSigma)} ({Final(bestAll):G3}); larger sigma, last 20 steps (smallest distance, spread of the iterates): "
                + string.Join(", ", large.Select(r => $"sigma = {F(OptimizerTable.SigmaOf(r.Setup))} ({Tail(r).Low:G3}, {Tail(r).Spread:G3})"))
                + (stuck.Length > 0 ? $"; settled elsewhere: sigma = {string.Join(", ", stuck.Select(r => F(OptimizerTable.SigmaOf(r.Setup))))}" : "; none settled elsewhere") + "."));
        }
    }
}
