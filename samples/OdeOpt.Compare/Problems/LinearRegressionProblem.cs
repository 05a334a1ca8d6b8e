using System.IO;
using OdeOpt.Compare.Core;
using OdeOpt.Compare.Report;

namespace OdeOpt.Compare.Problems;

/// <summary>Problem 3: the 51-parameter linear regression of Nakerst et al. Fig. 4.</summary>
public sealed class LinearRegressionProblem : IProblem
{
    /// <summary>The target: excess MSE at or below this.</summary>
    public const double Target = 1e-3;

    /// <summary>Features, points.</summary>
    public const int Features = 50, Points = 1000;

    /// <inheritdoc/>
    public string Name => "linear-regression";

    /// <inheritdoc/>
    public string Description => "Nakerst et al. Fig. 4: 50 features uniform in (0,1), 1000 points, y = sum (x/50)^3, eta = 0.005";

    /// <inheritdoc/>
    public double Weight => 0.3;

    /// <inheritdoc/>
    public ProblemReport Run(RunContext context)
    {
        int steps = context.StepsOr(3000);
        var objective = new LinearRegressionObjective(Features, Points, context.Seed);
        var report = new ProblemReport
        {
            Name = Name,
            Title = "3. Linear regression with 51 parameters (Nakerst et al., Fig. 4)",
            Target = $"L - L* <= {Target:G1}",
            Setup = $"""
                N_f = {Features} features uniform in (0, 1), {Points} points (seed {context.Seed}), target y = sum_a (x_a / N_f)^3;
                model w . x + b ({Features + 1} parameters, all 0.2 at the start); loss L = mean squared error (1/N) sum (w . x + b - y)^2
                (the paper's normalisation, mean or half mean, could not be confirmed). The reported loss is L - L*, with
                L* = {objective.MinimumLoss:G6} the least-squares minimum (Cholesky, double precision). eta = 0.005, g = 0.9,
                sigma = 0 (heavy ball), 0.9 (Nesterov), 2, 4, 8, and gradient descent; {steps} steps, full batch. Not reduced.
                The target 1e-3 (from about 27 at the start) lies in the fast phase, where the stiff directions dominate the loss;
                below about 3e-4 one direction of curvature about 1e-2 (bias against mean feature) dominates, and there every
                momentum variant moves alike, since the look-ahead adds damping eta sigma k that is negligible for so small a k.
                """,
        };
        var runs = Runs.Group(context, report, "Full batch, eta = 0.005", context.Select(OptimizerTable.LinearRegression, 0.005),
            objective, Budget.OfSteps(steps), Target, 1.0);
        Plots.LogLoss(Path.Combine(context.OutputDirectory, "linear-regression-loss.png"), "Linear regression, 51 parameters (eta = 0.005)",
            "step", "MSE - MSE* (log scale)", Nakerst2DProblem.Curves(runs));
        report.Plots.Add(("linear-regression-loss.png", "Excess mean squared error versus step."));
        Plots.LogLoss(Path.Combine(context.OutputDirectory, "linear-regression-loss-start.png"), "Linear regression: the first 150 steps",
            "step", "MSE - MSE* (log scale)", Nakerst2DProblem.Curves(runs), maxX: 150);
        report.Plots.Add(("linear-regression-loss-start.png", "The first 150 steps, where the look-ahead acts."));
        Claims.LinearRegression(report, runs);
        return report;
    }
}
