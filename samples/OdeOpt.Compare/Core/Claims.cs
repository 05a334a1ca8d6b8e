using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using OdeOpt.Compare.Problems;

namespace OdeOpt.Compare.Core;

/// <summary>
/// The published claims and how a run decides each one. Every verdict is a fixed rule on the numbers of the runs, set
/// before looking at them; the evidence string gives the numbers. A claim whose runs are missing (for example when
/// --optimizer leaves them out) is not evaluated.
/// </summary>
public static partial class Claims
{
    /// <summary>Problem 1 (Nakerst et al. Section 2, Figs. 1 and 2): the fitted relaxation time and sigma* against the
    /// paper's statements. Each claim quotes its sentence; its rule is fixed here, before any run.</summary>
    public static void SigmaStar(ProblemReport report, IReadOnlyList<SigmaStarProblem.Point> fitted,
        IReadOnlyList<(double KEta, double[] Sigma, double[] T)> curves, IReadOnlyList<(int Equation, double Rms)> odeError, double g)
    {
        if (fitted.Count == 0) return;
        const string paper = SigmaStarProblem.Paper;

        // Fig. 1(a): T(sigma) falls, then rises: a minimum well inside the range.
        var shapes = curves.Select(c =>
        {
            var finite = c.T.Select((t, i) => (t, i)).Where(x => double.IsFinite(x.t)).ToArray();
            var min = finite.MinBy(x => x.t);
            bool interior = min.i > 0 && min.i < c.T.Length - 1;
            double ends = Math.Min(finite[0].t, finite[^1].t);
            return (c.KEta, Sigma: c.Sigma[min.i], TMin: min.t, Ends: ends, Ok: interior && min.t <= 0.5 * ends);
        }).ToArray();
        report.Claims.Add(new Claim("nakerst-fig1a-T-minimum",
            $"{paper}, Fig. 1 caption",
            $"(a) The time scale T for reaching the minimum of L(theta) is a non-monotonic function of the super-acceleration parameter sigma, and has a well-defined minimum.",
            $"at k eta = 0.01, 0.05 and 0.2, the smallest fitted T over 81 values of sigma is at an interior sigma and at most half of T at either end of the range.",
            shapes.All(s => s.Ok),
            string.Join("; ", shapes.Select(s => $"k eta = {F(s.KEta)}: T = {s.TMin:F2} at sigma = {s.Sigma:F2}, {s.Ends:F2} at the nearer end"))));

        // Fig. 1(b) and Section 2.5: sigma* > 1 above k eta of about 0.0027.
        var defined = fitted.Where(p => p.Defined).ToArray();
        var above = fitted.Where(p => p.Defined && p.Fitted > 1).ToArray();
        double? onset = above.Length > 0 ? above.Min(p => p.KEta) : null;
        bool middleAbove = fitted.Where(p => p.KEta >= 0.005 && p.KEta <= 0.3).All(p => p.Defined && p.Fitted > 1);
        report.Claims.Add(new Claim("nakerst-fig1b-sigma-star-above-one",
            $"{paper}, Section 2.5; Fig. 1 caption",
            $"The result of the analysis is that sigma > 1 is preferable for all k eta values above a minimum. (Numerically, we find this value to be ~ 0.0027.) [...] Except for very small and very large k eta, the optimal value is seen to be significantly larger than 1.",
            $"the fitted sigma* exceeds 1 at every k eta of the grid in [0.005, 0.3], and the smallest k eta where it does lies in [0.00135, 0.0054] (a factor 2 around 0.0027).",
            middleAbove && onset is >= 0.00135 and <= 0.0054,
            $"sigma* > 1 from k eta = {(onset is null ? "-" : F(onset.Value))} on ({above.Length} of {fitted.Count} grid points); not defined (minimum at the lower end of the range) at {fitted.Count - defined.Length} points, up to k eta = {(fitted.Where(p => !p.Defined).Select(p => p.KEta).DefaultIfEmpty(double.NaN).Max() is var u && double.IsFinite(u) ? F(u) : "-")}; at k eta = {F(Nearest(fitted, 0.01).KEta)}: sigma* = {Nearest(fitted, 0.01).Fitted:F3}; at k eta = {F(fitted[^1].KEta)}: {fitted[^1].Fitted:F3}."));

        // Fig. 2(c) / Section 2.3: the midpoint formula (14) is the best of the three.
        var compared = fitted.Where(p => p.Defined && p.KEta >= 0.005).ToArray();
        double Median(Func<double, double, double> formula) => compared.Length == 0 ? double.NaN
            : compared.Select(p => Math.Abs(p.Fitted - formula(p.KEta, g))).OrderBy(x => x).ElementAt(compared.Length / 2);
        double m12 = Median(SigmaStarProblem.Eq12), m13 = Median(SigmaStarProblem.Eq13), m14 = Median(SigmaStarProblem.Eq14), mOwn = Median(SigmaStarProblem.SigmaDoubleRoot);
        report.Claims.Add(new Claim("nakerst-fig2c-midpoint-formula-best",
            $"{paper}, Section 2.3",
            $"In Figure 2(c) we compare the numerically determined sigma* with the approximations derived above. The overall shape is described qualitatively by any of the ODE approximations, but the midpoint approximation (11) performs best quantitatively.",
            $"over the grid points with k eta >= 0.005 where sigma* is defined, the median of abs(fitted sigma* - formula) is smallest for eq. (14) (from ODE (11)).",
            compared.Length > 0 && m14 < m12 && m14 < m13,
            $"median gaps over {compared.Length} points: eq. (12) {m12:F3}, eq. (13) {m13:F3}, eq. (14) {m14:F3}; the project's exact double root (not in the paper) {mOwn:F3}."));

        // Fig. 2(b) / Section 2.2: ODE (11) follows the algorithm best.
        var best = odeError.MinBy(e => e.Rms);
        report.Claims.Add(new Claim("nakerst-fig2b-ode11-best",
            $"{paper}, Section 2.2",
            $"In Figure 2(b) we compare the oscillatory minimization dynamics of the algorithm (5) or (6) to numerically exact solutions of the three ODEs. It is clear that Eq. (11) performs best as an approximation.",
            $"at k eta = 0.01 and sigma = 1 (the caption's values), the RMS of x(i) - theta_i over i = 0..300 is smallest for ODE (11), each ODE integrated by OdeOpt's RK4 at h = 0.01 from x = 1 and the x'(0) its own identification of m with v gives (-k eta for (9) and (10), -k eta/2 for (11)).",
            best.Equation == 11,
            string.Join("; ", odeError.Select(e => $"ODE ({e.Equation}): RMS {e.Rms:E2}"))));

        // Abstract: super-acceleration beats Nesterov on this problem.
        var super = fitted.Where(p => p.Defined && p.Fitted > 1).ToArray();
        bool faster = super.Length > 0 && super.All(p => p.TAtFitted < p.TNesterov);
        var at = Nearest(fitted, 0.01);
        report.Claims.Add(new Claim("nakerst-super-acceleration-optimal",
            $"{paper}, abstract",
            $"We show explicitly that super-accelerating the momentum algorithm is beneficial, not only for this idealized problem, ...",
            $"wherever the fitted sigma* exceeds 1, its T is below T at sigma = g (Nesterov).",
            faster,
            $"at {super.Length} grid points with sigma* > 1, T(sigma*) < T(Nesterov) at {super.Count(p => p.TAtFitted < p.TNesterov)}; at k eta = {F(at.KEta)}: T = {at.TAtFitted:F2} at sigma* = {at.Fitted:F2} vs {at.TNesterov:F2} for Nesterov and {at.THeavyBall:F2} for heavy ball."));
    }

    /// <summary>Problem 2: eq. (15) (Nakerst et al. Section 3.1, Fig. 3; RMSProp, Fig. 8, is in Claims.RmsProp.cs).
    /// <paramref name="minimum"/> is the minimiser, for the distance curves of Fig. 3(d, e).</summary>
    public static void Nakerst2D(ProblemReport report, IReadOnlyList<RunResult> momentum, (double X, double Y) minimum = default)
    {
        const string paper = SigmaStarProblem.Paper;
        double[] Distance(RunResult r) => Nakerst2DProblem.DistanceCurve(r, minimum);
        RunResult? At(double sigma) => momentum.WithSigma(s => s == sigma).FirstOrDefault();
        double Final(RunResult r) => Distance(r) is { Length: > 0 } d ? d[^1] : double.NaN;
        string Finals(IEnumerable<RunResult> runs) => string.Join(", ", runs.Select(r => $"sigma = {F(OptimizerTable.SigmaOf(r.Setup))} {Final(r):G3}"));

        if (At(0.9) is { } nesterov && At(2) is { } two && Distance(two).Length > 0)
            report.Claims.Add(new Claim("nakerst-eq15-super-beats-nesterov",
                $"{paper}, Section 3.1",
                $"super-acceleration (sigma = 2) works significantly better than usual Nesterov acceleration (sigma = g = 0.9). This improvement is also clearly seen in panel (d), where the Eucledean distance to the minimum [...] is plotted. The distance falls much faster with super-acceleration sigma = 2.",
                $"after the 180 steps of Fig. 3, the distance to the minimum at sigma = 2 is at most half of Nesterov's.",
                Final(two) <= 0.5 * Final(nesterov), $"distance to the minimum after {two.Trajectory!.Count - 1} steps: {Finals([nesterov, two])}."));

        var scanned = momentum.WithSigma(_ => true).Where(r => Distance(r).Length > 0).ToArray();
        if (scanned.Length >= 5)
        {
            var best = scanned.MinBy(Final)!;
            report.Claims.Add(new Claim("nakerst-fig3-optimum-3-or-4",
                $"{paper}, Section 3.1",
                $"For this case, the optimal values appear to be around 3 or 4.",
                $"among sigma = 0, 0.9, 2, 3, 4, 6, 7, the smallest distance to the minimum after 180 steps is at sigma = 3 or 4.",
                OptimizerTable.SigmaOf(best.Setup) is 3 or 4, $"after 180 steps: {Finals(scanned)}."));
        }

        if (At(7) is { } seven && Distance(seven) is { Length: > 20 } d7)
        {
            var path = seven.Trajectory!;
            var last = Enumerable.Range(path.Count - 20, 20).ToArray();
            double Step(int i, int back) => Math.Sqrt(Math.Pow(path[i][0] - path[i - back][0], 2) + Math.Pow(path[i][1] - path[i - back][1], 2));
            double twoStep = last.Max(i => Step(i, 2)), oneStep = last.Min(i => Step(i, 1));
            report.Claims.Add(new Claim("nakerst-fig3-sigma7-trapped",
                $"{paper}, Section 3.1",
                $"the sigma = 7 algorithm shoots commendably fast into the valley, but after that, gets stuck in a region which is not at the minimum. We find that the iteration oscillates between two nearby points.",
                $"over the last 20 of the 180 steps at sigma = 7, the distance to the minimum stays above 0.05, and the iteration alternates between two points: every theta_i is within 1e-3 of theta_(i-2) while every step theta_i - theta_(i-1) is longer than 1e-3.",
                last.All(i => d7[i] > 0.05) && twoStep < 1e-3 && oneStep > 1e-3,
                $"sigma = 7, last 20 steps: distance {last.Min(i => d7[i]):G3} to {last.Max(i => d7[i]):G3}; largest |theta_i - theta_(i-2)| {twoStep:G3}; smallest |theta_i - theta_(i-1)| {oneStep:G3}."));
        }

        if (At(3) is { } three && At(4) is { } four && Distance(three).Length > 0)
        {
            // A dip: the distance falls to a local minimum and later rises again by more than 10% of it.
            static double Rebound(double[] d)
            {
                double worst = 0, low = double.PositiveInfinity;
                foreach (var x in d)
                {
                    low = Math.Min(low, x);
                    if (low > 0) worst = Math.Max(worst, x / low - 1);
                }
                return worst;
            }
            double r3 = Rebound(Distance(three)), r4 = Rebound(Distance(four));
            report.Claims.Add(new Claim("nakerst-fig3-sigma3-overshoots",
                $"{paper}, Section 3.1",
                $"Comparing in 3(e) the curves for sigma = 3 or sigma = 4, one notices that sigma = 3 curve has a dip indicating that the algorithm overshoots the minimum and then returns along the valley (as with smaller values of sigma), but sigma = 4 does not have such an overshooting behavior.",
                $"over the 180 steps, the distance at sigma = 3 rises again by more than 10% above an earlier low (a dip), and at sigma = 4 it never rises by more than 10% above an earlier low.",
                r3 > 0.1 && r4 <= 0.1, $"largest rise above an earlier low of the distance: sigma = 3 {100 * r3:F1}%, sigma = 4 {100 * r4:F1}%."));
        }
    }

    /// <summary>Problem 3 (Nakerst et al. Section 3.2, Fig. 4): the initial minimisation and the late, sigma-independent
    /// path. <paramref name="minimum"/> is L*, to turn the runs' L - L* into the paper's L.</summary>
    public static void LinearRegression(ProblemReport report, IReadOnlyList<RunResult> runs, double minimum)
    {
        const string paper = SigmaStarProblem.Paper;
        var gd = runs.FirstOrDefault(r => r.Setup.Name == OptimizerTable.GradientDescent);
        var momentum = runs.WithSigma(_ => true).OrderBy(r => OptimizerTable.SigmaOf(r.Setup)).ToArray();
        if (gd is null || momentum.Length == 0) return;
        static double At(RunResult r, long step) => r.Curve.Where(c => c.Step <= step).MaxBy(c => c.Step).Loss;
        double L(RunResult r, long step) => At(r, step) + minimum;
        string Sigma(RunResult r) => F(OptimizerTable.SigmaOf(r.Setup));

        // The main panel: the initial minimisation, read at step 50 (of the run's first 150, where the curves part).
        const long early = 50;
        var shown = momentum.Where(r => OptimizerTable.SigmaOf(r.Setup) is 0 or 0.9 or 2 or 4).ToArray();
        bool monotone = shown.Length == 4 && shown.Zip(shown.Skip(1), (a, b) => L(b, early) < L(a, early)).All(x => x);
        var heavy = shown.FirstOrDefault(r => OptimizerTable.SigmaOf(r.Setup) == 0);
        var nesterov = shown.FirstOrDefault(r => OptimizerTable.SigmaOf(r.Setup) == 0.9);
        bool heavySlower = heavy is not null && L(heavy, early) > L(gd, early);
        bool nesterovSimilar = nesterov is not null && L(nesterov, early) <= 2 * L(gd, early) && L(gd, early) <= 2 * L(nesterov, early);
        report.Claims.Add(new Claim("nakerst-fig4-initial-minimisation",
            $"{paper}, Section 3.2",
            $"As sigma is increased, the initial minimization is more effective. In fact, in this particular case, for initial minimization the sigma = 0 case is slower even than pure gd, while the sigma = 0.9 case (Nesterov acceleration) is similar to pure gd.",
            $"at step {early}, the loss L decreases strictly from sigma = 0 through 0.9, 2 to 4; L at sigma = 0 is above gradient descent's; L at sigma = 0.9 is within a factor 2 of gradient descent's.",
            monotone && heavySlower && nesterovSimilar,
            $"L at step {early}: GD {L(gd, early):G4}; " + string.Join(", ", momentum.Select(r => $"sigma = {Sigma(r)} {L(r, early):G4}")) + "."));

        // The inset: at late times every momentum run follows one path, and gradient descent is slower than all of them.
        long last = momentum.Min(r => r.Curve[^1].Step);
        var lateLoss = momentum.Select(r => At(r, last)).ToArray();
        bool together = lateLoss.Max() <= 1.5 * lateLoss.Min();
        bool gdSlower = At(gd, last) >= 2 * lateLoss.Max();
        report.Claims.Add(new Claim("nakerst-fig4-late-universal-path",
            $"{paper}, Section 3.2",
            $"at late times in the iteration, the iterations with momentum all follow the same path, irrespective of super-acceleration sigma. ... In contrast, pure gradient descent without momentum trains slower (the loss function decreases slower) than any of the momentum-based procedures.",
            $"at the last step ({last}), L - L* of every momentum run (sigma = 0, 0.9, 2, 4, 8) is within a factor 1.5 of the others, and gradient descent's is at least twice the largest of them.",
            together && gdSlower,
            $"L - L* at step {last}: GD {At(gd, last):G3}; " + string.Join(", ", momentum.Select(r => $"sigma = {Sigma(r)} {At(r, last):G3}")) + "."));
    }

    /// <summary>Problem 5: Rosenbrock.</summary>
    public static void Rosenbrock(ProblemReport report, IReadOnlyList<RunResult> two, IReadOnlyList<RunResult> ten)
    {
        bool any = false, all = true;
        var evidence = new List<string>();
        foreach (var (name, runs) in new[] { ("2-D", two), ("10-D", ten) })
        {
            var classic = runs.WithSigma(s => s is 0 or 0.9).ToArray();
            var super = runs.WithSigma(s => s > 1).ToArray();
            if (classic.Length == 0 || super.Length == 0) continue;
            any = true;
            all &= super.Min(r => r.FinalLoss) < classic.Min(r => r.FinalLoss);
            evidence.Add($"{name}: {Describe(runs.WithSigma(_ => true))}");
        }
        if (!any) return;
        report.Claims.Add(new Claim("project-rosenbrock-super",
            Claim.ProjectOwn,
            "Does super-acceleration also help on Rosenbrock's function? (The paper's synthetic landscapes, in Section 3, are eq. (15) and the 51-parameter regression, not Rosenbrock.)",
            "in 2-D and 10-D the best final f with sigma > 1 is below the best of heavy ball and Nesterov (same eta = 2e-4, g = 0.9).",
            all, string.Join(" ", evidence)));
    }

    /// <summary>Whether <paramref name="a"/> clearly beats <paramref name="b"/>: at least 5% fewer gradient evaluations to
    /// the target, or when neither reached it, a final loss at least 5% lower. Closer than that is a tie, not a win.</summary>
    public static bool Better(RunResult a, RunResult b)
    {
        if (a.GradientsToTarget is { } ga) return b.GradientsToTarget is not { } gb || ga <= 0.95 * gb;
        if (b.GradientsToTarget is not null) return false;
        return !a.Diverged && (b.Diverged || a.FinalLoss <= 0.95 * b.FinalLoss);
    }

    /// <summary>"label: final L (distance ...), ..." for the evidence strings.</summary>
    public static string Describe(IEnumerable<RunResult> runs, bool steps = false, bool gradients = false) =>
        string.Join("; ", runs.Select(r =>
            $"{r.Setup.Label}: final {(r.Diverged ? "diverged" : r.FinalLoss.ToString("G3", CultureInfo.InvariantCulture))}" +
            (steps ? $", steps to target {(r.StepsToTarget?.ToString(CultureInfo.InvariantCulture) ?? "not reached")}" : "") +
            (gradients ? $", gradient evaluations to target {(r.GradientsToTarget?.ToString(CultureInfo.InvariantCulture) ?? "not reached")}" : "") +
            string.Concat(r.Extra.Select(e => $", {e.Key} {e.Value.ToString("G3", CultureInfo.InvariantCulture)}"))));

    private static SigmaStarProblem.Point Nearest(IReadOnlyList<SigmaStarProblem.Point> points, double kEta) =>
        points.MinBy(p => Math.Abs(Math.Log(p.KEta / kEta)))!;


    private static string F(double x) => x.ToString("G3", CultureInfo.InvariantCulture);
}
