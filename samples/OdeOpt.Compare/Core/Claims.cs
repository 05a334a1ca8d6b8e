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
public static class Claims
{
    /// <summary>Problem 1: the fitted sigma* against the formulas.</summary>
    public static void SigmaStar(ProblemReport report, IReadOnlyList<SigmaStarProblem.Point> fitted, double g)
    {
        if (fitted.Count == 0) return;
        var deviations = fitted.Select(p => (p.KEta, Fit: p.Fitted, Exact: SigmaStarProblem.SigmaExact(p.KEta, g), Cont: SigmaStarProblem.SigmaContinuum(p.KEta, g))).ToArray();
        var worst = deviations.MaxBy(d => Math.Abs(d.Fit - d.Exact) / Math.Max(1, Math.Abs(d.Exact)));
        bool exactOk = deviations.All(d => Math.Abs(d.Fit - d.Exact) <= Math.Max(0.3, 0.15 * Math.Abs(d.Exact)));
        report.Claims.Add(new Claim("nakerst-sigma-star-critical-damping",
            "Nakerst et al., Fig. 1b, eqs. (12)-(14): on L = k theta^2/2 the best look-ahead is the one that damps the iteration critically, sigma* = -1 + 2/sqrt(k eta) - (1-g)/(k eta) (formula reconstructed in the notes). Rule: the fitted sigma* (fewest steps to |theta| < 1e-20) is within max(0.3, 15%) of it at every k eta of the grid.",
            exactOk,
            $"{fitted.Count} values of k eta in [{F(fitted[0].KEta)}, {F(fitted[^1].KEta)}], g = {F(g)}; largest deviation at k eta = {F(worst.KEta)}: fitted {worst.Fit:F3} vs formula {worst.Exact:F3}; at k eta = {F(Nearest(fitted, 0.01).KEta)}: fitted {Nearest(fitted, 0.01).Fitted:F3} vs {SigmaStarProblem.SigmaExact(Nearest(fitted, 0.01).KEta, g):F3}."));

        var small = deviations.Where(d => d.KEta <= 0.05).ToArray();
        double ContError((double KEta, double Fit, double Exact, double Cont) d) => Math.Abs(d.Cont - d.Fit);
        bool contOk = small.Length > 0 && small.All(d => ContError(d) <= Math.Max(0.3, 0.15 * Math.Abs(d.Fit)));
        var worstCont = deviations.MaxBy(ContError);
        report.Claims.Add(new Claim("nakerst-sigma-star-continuum",
            "Nakerst et al.: the optimum can be analytically estimated; the continuum estimate sigma* = -1 + sqrt(1 + 4/(k eta)) - (1-g)/(k eta) (reconstructed) approximates it for small k eta. Rule: within max(0.3, 15%) of the fitted sigma* at every k eta <= 0.05.",
            contOk,
            $"k eta <= 0.05: largest gap {(small.Length == 0 ? double.NaN : small.Max(ContError)):F3}; over the whole grid the largest gap is {ContError(worstCont):F3} at k eta = {F(worstCont.KEta)} (continuum {worstCont.Cont:F3}, fitted {worstCont.Fit:F3})."));

        var super = fitted.Where(p => p.Fitted > 1).ToArray();
        bool faster = super.All(p => p.ShallowSteps < p.StepsNesterov);
        var at = Nearest(fitted, 0.01);
        report.Claims.Add(new Claim("nakerst-super-acceleration-optimal",
            "Nakerst et al. (abstract): looking further ahead than Nesterov pays: the optimal sigma exceeds 1 (super-acceleration) and then converges faster than Nesterov (sigma = g). Rule: sigma* > 1 on at least half of the grid, and wherever it is, fewer steps than Nesterov.",
            super.Length * 2 >= fitted.Count && faster,
            $"sigma* > 1 at {super.Length} of {fitted.Count} grid points (k eta from {(super.Length > 0 ? F(super.Min(p => p.KEta)) : "-")} to {(super.Length > 0 ? F(super.Max(p => p.KEta)) : "-")}); at k eta = {F(at.KEta)}: {at.ShallowSteps} steps at sigma* = {at.FittedShallow:F2} vs {Steps(at.StepsNesterov)} for Nesterov and {Steps(at.StepsHeavyBall)} for heavy ball (to |theta| < 1e-6)."));
    }

    /// <summary>Problem 2: eq. (15) and RMSProp.</summary>
    public static void Nakerst2D(ProblemReport report, IReadOnlyList<RunResult> momentum, IReadOnlyList<RunResult> rms)
    {
        var classic = momentum.WithSigma(s => s is 0 or 0.9).ToArray();
        var super = momentum.WithSigma(s => s is 2 or 4).ToArray();
        if (classic.Length > 0 && super.Length > 0)
        {
            double bestClassic = classic.Min(r => r.FinalLoss), bestSuper = super.Min(r => r.FinalLoss);
            report.Claims.Add(new Claim("nakerst-eq15-super-beats-nesterov",
                "Nakerst et al., Fig. 3: on eq. (15) from (-1, -3.8) with eta = 0.01, g = 0.9, super-acceleration (sigma = 2, 4) ends far closer to the minimum after 180 steps than heavy ball and Nesterov. Rule: the best final L - L* of sigma = 2, 4 is at most a tenth of the best of sigma = 0, 0.9.",
                bestSuper <= 0.1 * bestClassic, Describe(momentum.WithSigma(s => s is 0 or 0.9 or 2 or 4 or 7))));
        }
        var far = momentum.WithSigma(s => s >= 7).FirstOrDefault();
        var four = momentum.WithSigma(s => s == 4).FirstOrDefault();
        if (far is not null)
        {
            report.Claims.Add(new Claim("nakerst-eq15-too-far-ahead",
                "Nakerst et al., Fig. 3 (as the issue describes it; the figure could not be read): looking too far ahead (sigma = 7, beyond the stability bound 4.19 at the minimum) does not converge. Rule: sigma = 7 diverges or ends with L - L* above 1e-2.",
                far.Diverged || far.FinalLoss > 1e-2,
                $"sigma = 7: {Describe([far])}{(four is null ? "" : $"; sigma = 4: {Describe([four])}")}."));
        }
        var rmsClassic = rms.WithSigma(s => s is 0 or 0.9).ToArray();
        var rmsSuper = rms.WithSigma(s => s > 1).ToArray();
        if (rmsClassic.Length > 0 && rmsSuper.Length > 0)
        {
            report.Claims.Add(new Claim("nakerst-rmsprop-super",
                "Nakerst et al., Fig. 8 and abstract: super-acceleration also improves RMSProp. Rule: on eq. (15), the best final L - L* of RMSProp with sigma > 1 is below the best of sigma = 0 and 0.9.",
                rmsSuper.Min(r => r.FinalLoss) < rmsClassic.Min(r => r.FinalLoss), Describe(rms)));
        }
    }

    /// <summary>Problem 3: the regression.</summary>
    public static void LinearRegression(ProblemReport report, IReadOnlyList<RunResult> runs)
    {
        var classic = runs.WithSigma(s => s is 0 or 0.9).ToArray();
        var super = runs.WithSigma(s => s is 2 or 4).ToArray();
        if (classic.Length == 0 || super.Length == 0) return;
        long StepsOf(RunResult r) => r.StepsToTarget ?? long.MaxValue;
        long bestClassic = classic.Min(StepsOf), bestSuper = super.Min(StepsOf);
        bool reproduced = bestSuper != long.MaxValue && bestSuper < bestClassic;
        report.Claims.Add(new Claim("nakerst-regression-super",
            $"Nakerst et al., Fig. 4: on the 51-parameter linear regression, super-acceleration (sigma = 2, 4) trains faster than heavy ball and Nesterov. Rule: the fewest steps to L - L* <= {LinearRegressionProblem.Target:G1} among sigma = 2, 4 is below that among sigma = 0, 0.9.",
            reproduced, Describe(runs.WithSigma(_ => true), steps: true)));
    }

    /// <summary>Problem 4: the quartic.</summary>
    public static void BelottoQuartic(ProblemReport report, IReadOnlyList<RunResult> runs)
    {
        var adam = runs.FirstOrDefault(r => r.Setup.Name == OptimizerTable.Adam && 3 + r.Setup.Get(OptimizerTable.AdamBeta2) > 4 * r.Setup.Get(OptimizerTable.AdamBeta1));
        if (adam is null || adam.Curve.Count == 0) return;
        double start = adam.Curve[0].Loss;
        report.Claims.Add(new Claim("belotto-adam-converges",
            "Belotto da Silva & Gazeau (convergence result, illustrated by Fig. 2 on (x+y)^4 + (x/2-y/2)^4 from (0.5, -2.5)): when 3 + beta2 > 4 beta1, Adam's trajectory converges to the minimum of this convex function, degenerate as it is. Rule: with beta1 = 0.9, beta2 = 0.999 the final f is below 1e-3 of f at the start, and the last tenth of the run still decreases the best f.",
            !adam.Diverged && adam.FinalLoss <= 1e-3 * start && adam.BestLoss < BestBefore(adam, 0.9),
            $"f at the start {start:G4}; {Describe(runs)}; Adam's best f over the first 90% of the run {BestBefore(adam, 0.9):G3}, over all of it {adam.BestLoss:G3}."));
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
        report.Claims.Add(new Claim("nakerst-synthetic-landscapes",
            "Nakerst et al. (abstract): super-accelerating momentum is beneficial on synthetic loss landscapes (Rosenbrock taken as one; the paper's landscapes could not be confirmed). Rule: in 2-D and 10-D the best final f with sigma > 1 is below the best of heavy ball and Nesterov (same eta = 2e-4, g = 0.9).",
            all, string.Join(" ", evidence)));
    }

    /// <summary>Problem 6: the MLP.</summary>
    public static void Mlp(ProblemReport report, IReadOnlyList<RunResult> full, IReadOnlyList<RunResult> mini)
    {
        foreach (var (id, figure, runs) in new[] { ("nakerst-mlp-full-batch", "Fig. 5 (full batch)", full), ("nakerst-mlp-mini-batch", "Fig. 6 (mini-batches of 200)", mini) })
        {
            var classic = runs.WithSigma(s => s is 0 or 0.9).ToArray();
            var super = runs.WithSigma(s => s is 2 or 4).ToArray();
            if (classic.Length == 0 || super.Length == 0) continue;
            report.Claims.Add(new Claim(id,
                $"Nakerst et al., {figure} and abstract: super-accelerating momentum (sigma = 2, 4) trains the 784-30-10 MNIST classifier faster than heavy ball and Nesterov (eta = 0.5, g = 0.9). Rule: the best final cost among sigma = 2, 4 is below the best among sigma = 0, 0.9.",
                super.Min(r => r.FinalLoss) < classic.Min(r => r.FinalLoss), Describe(runs.WithSigma(_ => true))));
        }
    }

    /// <summary>Problem 7: the IMEX forms of Adam.</summary>
    public static void ImexAdam(ProblemReport report, IReadOnlyList<IReadOnlyList<RunResult>> regression, IReadOnlyList<RunResult> rosen2, IReadOnlyList<RunResult> rosen10, IReadOnlyList<RunResult> mlp)
    {
        RunResult? Of(IReadOnlyList<RunResult> runs, string name) => runs.FirstOrDefault(r => r.Setup.Name == name);
        int wins = 0, compared = 0;
        var evidence = new List<string>();
        foreach (var runs in regression)
        {
            var adam = Of(runs, OptimizerTable.Adam);
            var trap = Of(runs, OptimizerTable.ImexTrapezoidalAdam);
            if (adam is null || trap is null) continue;
            compared++;
            if (Better(trap, adam)) wins++;
            evidence.Add($"lr = {F(adam.Setup.Get(OptimizerTable.AdamRate))}: {Describe(runs, gradients: true)}");
        }
        if (compared > 0)
        {
            report.Claims.Add(new Claim("imex-trapezoidal-regression",
                $"Bhattacharjee et al. (abstract): the second-order IMEX (trapezoidal) form of Adam performs better than classical Adam on regression problems. Rule: on problem 3, at most of the learning rates 0.001, 0.01, 0.1, IMEX-trapezoidal Adam reaches MSE - MSE* <= {ImexAdamProblem.RegressionTarget:G1} with at least 5% fewer gradient evaluations than Adam (when neither reaches it: a final loss at least 5% lower).",
                wins * 2 > compared,
                $"trapezoidal better at {wins} of {compared} learning rates. " + string.Join(" ", evidence) +
                $" For reference, Rosenbrock 2-D: {Describe(rosen2, gradients: true)}; 10-D: {Describe(rosen10, gradients: true)}."));
        }
        var mAdam = Of(mlp, OptimizerTable.Adam);
        var mTrap = Of(mlp, OptimizerTable.ImexTrapezoidalAdam);
        if (mAdam is not null && mTrap is not null)
        {
            double gap = Math.Abs(mTrap.FinalLoss - mAdam.FinalLoss) / mAdam.FinalLoss;
            report.Claims.Add(new Claim("imex-trapezoidal-mnist-similar",
                "Bhattacharjee et al.: on MNIST, trapezoidal Adam performs similarly to standard Adam. Rule: on the MLP (problem 6, mini-batches) the final costs at equal gradient evaluations differ by at most 10%.",
                gap <= 0.10, $"{Describe(mlp)}; relative gap {gap:P1}."));
        }
    }

    /// <summary>Whether <paramref name="a"/> clearly beats <paramref name="b"/>: at least 5% fewer gradient evaluations to
    /// the target, or when neither reached it, a final loss at least 5% lower. Closer than that is a tie, not a win.</summary>
    public static bool Better(RunResult a, RunResult b)
    {
        if (a.GradientsToTarget is { } ga) return b.GradientsToTarget is not { } gb || ga <= 0.95 * gb;
        if (b.GradientsToTarget is not null) return false;
        return !a.Diverged && (b.Diverged || a.FinalLoss <= 0.95 * b.FinalLoss);
    }

    private static double BestBefore(RunResult run, double fraction)
    {
        long last = run.Curve[^1].Step;
        return run.Curve.Where(c => c.Step <= fraction * last).Min(c => c.Loss);
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

    private static string Steps(int steps) => steps == int.MaxValue ? "no convergence" : steps.ToString(CultureInfo.InvariantCulture);

    private static string F(double x) => x.ToString("G3", CultureInfo.InvariantCulture);
}
