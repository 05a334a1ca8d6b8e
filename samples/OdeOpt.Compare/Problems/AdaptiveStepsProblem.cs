using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using OdeOpt.Compare.Core;
using OdeOpt.Compare.Report;

namespace OdeOpt.Compare.Problems;

/// <summary>Problem 9 (issue 17): the learning rate as the time step. Adaptive Runge–Kutta on the gradient flow (BS3 and
/// DP5 with a PI controller) and gradient descent with Armijo line search, against gradient descent and Adam each at its
/// best fixed learning rate, counted in gradient evaluations to a target.</summary>
public sealed class AdaptiveStepsProblem : IProblem
{
    /// <summary>The regression target: L - L* at most this fraction of L(theta_0) - L*.</summary>
    public const double RegressionReduction = 1e-6;

    /// <summary>The Rosenbrock target: f below this.</summary>
    public const double RosenbrockTarget = 1e-8;

    /// <summary>Gradient evaluations per run: regression, Rosenbrock.</summary>
    public const int RegressionBudget = 20_000, RosenbrockBudget = 50_000;

    /// <inheritdoc/>
    public string Name => "adaptive-steps";

    /// <inheritdoc/>
    public string Description => "Adaptive RK (BS3, DP5) and Armijo line search against tuned GD and Adam, gradient evaluations to a target";

    /// <inheritdoc/>
    public double Weight => 0.6;

    /// <inheritdoc/>
    public ProblemReport Run(RunContext context)
    {
        int regressionBudget = context.StepsOr(RegressionBudget), rosenbrockBudget = context.StepsOr(RosenbrockBudget);
        var regression = new LinearRegressionObjective(LinearRegressionProblem.Features, LinearRegressionProblem.Points, context.Seed);
        double regressionTarget = RegressionReduction * regression.Loss(regression.Start());
        var rosenbrock = TestFunctions.RosenbrockObjective(2);
        var adaptive = context.Select(OptimizerTable.AdaptiveSteps, 0.01);
        var report = new ProblemReport
        {
            Name = Name,
            Title = "9. The learning rate as the time step: adaptive Runge–Kutta and line search",
            Target = $"regression: L - L* <= {RegressionReduction:G1} (L(theta_0) - L*) = {regressionTarget:G3}; Rosenbrock: f < {RosenbrockTarget:G1}",
            Setup = $"""
                The momentum-methods lecture (../shared/papers/003_025b659b4d0ec976.txt, "Gradient Flow"): forward Euler on the
                gradient flow "is the exact same formula utilized for 1D line search", which "suggests that one may instead choose
                Delta t according to various ODE (or other similar) considerations". Problem 3's regression (51 parameters,
                seed {context.Seed}, L* = {regression.MinimumLoss:G4}) and 2-D Rosenbrock from (-1.2, 1). Runs are counted in
                gradient evaluations ({regressionBudget} on the regression, {rosenbrockBudget} on Rosenbrock); "gradients to
                target" is the count when the target was first reached. GD (`{OptimizerTable.GradientDescent}`) is tuned over
                eta = 2^(k/2), k = -20..2 (each tuning run stops at the target), and Adam over lr in [{string.Join(", ", OptimizerTable.AdaptiveAdamGrid.Select(F))}], each
                picking the rate that reaches the target with the fewest gradients (else the lowest final loss); only the
                winner is in the table, and the notes give the grid. The adaptive schemes are not tuned:
                {string.Join("; ", adaptive.Select(s => $"`{s.Name}`: {s.Settings}"))}. Armijo: c = 1e-4, halving, h doubled
                after each accepted step; its loss evaluations come with its gradients and are counted once.
                """,
        };
        var (bestGd, gdNote) = Tune(context, "GD", OptimizerTable.For(OptimizerTable.AdaptiveStepsGdGrid), regression, regressionBudget, regressionTarget);
        var (bestAdam, adamNote) = Tune(context, "Adam", OptimizerTable.For(OptimizerTable.AdaptiveStepsAdamGrid), regression, regressionBudget, regressionTarget);
        var regressionRuns = Runs.Group(context, report, "Linear regression, 51 parameters", [bestGd, bestAdam, .. adaptive],
            regression, Budget.OfGradients(regressionBudget), regressionTarget, 0.45, evaluateEvery: 1, after: Mark);
        report.Notes.Add("Regression tuning: " + gdNote + " " + adamNote);

        var (bestGdR, gdNoteR) = Tune(context, "GD", OptimizerTable.For(OptimizerTable.AdaptiveStepsGdGrid), rosenbrock, rosenbrockBudget, RosenbrockTarget);
        var (bestAdamR, adamNoteR) = Tune(context, "Adam", OptimizerTable.For(OptimizerTable.AdaptiveStepsAdamGrid), rosenbrock, rosenbrockBudget, RosenbrockTarget);
        var rosenbrockRuns = Runs.Group(context, report, "Rosenbrock 2-D from (-1.2, 1)", [bestGdR, bestAdamR, .. adaptive],
            rosenbrock, Budget.OfGradients(rosenbrockBudget), RosenbrockTarget, 0.45, evaluateEvery: 1, after: Mark);
        report.Notes.Add("Rosenbrock tuning: " + gdNoteR + " " + adamNoteR);
        report.Notes.Add(Summary("Regression", regressionRuns) + " " + Summary("Rosenbrock", rosenbrockRuns));

        string dir = context.OutputDirectory;
        Plots.LogLoss(Path.Combine(dir, "adaptive-steps-regression.png"), "Regression: loss against gradient evaluations", "gradient evaluations",
            "L - L* (log scale)", ByGradients(regressionRuns));
        Plots.LogLoss(Path.Combine(dir, "adaptive-steps-rosenbrock.png"), "Rosenbrock 2-D: f against gradient evaluations", "gradient evaluations",
            "f (log scale)", ByGradients(rosenbrockRuns));
        report.Plots.Add(("adaptive-steps-regression.png", "Regression: L - L* against gradient evaluations."));
        report.Plots.Add(("adaptive-steps-rosenbrock.png", "Rosenbrock 2-D: f against gradient evaluations."));
        return report;
    }

    private static string F(double x) => x.ToString("G3", CultureInfo.InvariantCulture);

    /// <summary>Adds the gradient count at the target as a column.</summary>
    private static void Mark(RunResult r)
    {
        if (r.GradientsToTarget is long g) r.Extra["gradients to target"] = g;
    }

    /// <summary>Runs every rate of a grid (not reported) and returns the best setup with a note on the grid.</summary>
    private static (OptimizerSetup Best, string Note) Tune(RunContext context, string what, IReadOnlyList<OptimizerSetup> grid, IObjective objective, int budget, double target)
    {
        var results = new List<RunResult>();
        foreach (var setup in grid)
        {
            results.Add(Trainer.Run(setup, objective, Budget.OfGradients(budget), target, evaluateEvery: 1, stopAtTarget: true));
            context.Progress(0.05 / grid.Count);
        }
        var best = results.Where(r => r.GradientsToTarget is not null).OrderBy(r => r.GradientsToTarget).FirstOrDefault()
                   ?? results.OrderBy(r => r.FinalLoss).First();
        string Rate(RunResult r) => F(r.Setup.Hyperparameters[0].Value);
        var reached = results.Where(r => r.GradientsToTarget is not null).Select(r => $"{Rate(r)}: {r.GradientsToTarget}").ToArray();
        var diverged = results.Where(r => r.Diverged).Select(Rate).ToArray();
        string note = $"{what} over {grid.Count} rates: best {best.Setup.Label}" +
                      (reached.Length > 0 ? $"; reached the target at {string.Join(", ", reached)} (rate: gradients)" : "; none reached the target") +
                      (diverged.Length > 0 ? $"; diverged at {string.Join(", ", diverged)}." : ".");
        return (best.Setup with { Label = $"{best.Setup.Label}, best of grid" }, note);
    }

    private static string Summary(string group, List<RunResult> runs)
    {
        var parts = runs.Select(r => $"{r.Setup.Label}: {(r.GradientsToTarget is long g ? g.ToString(CultureInfo.InvariantCulture) : $"not reached (final {r.FinalLoss:G3})")}");
        return $"{group}, gradients to target: {string.Join("; ", parts)}.";
    }

    private static IEnumerable<Series> ByGradients(List<RunResult> runs) =>
        runs.Select(r => new Series(r.Setup.Label, r.Curve.Select(c => (double)c.Gradients).ToArray(), r.Curve.Select(c => c.Loss).ToArray()));
}
