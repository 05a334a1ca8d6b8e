using System.IO;
using System.Linq;
using OdeOpt.Compare.Core;
using OdeOpt.Compare.Report;

namespace OdeOpt.Compare.Problems;

/// <summary>Problem 5: Rosenbrock in 2 and 10 dimensions.</summary>
public sealed class RosenbrockProblem : IProblem
{
    /// <summary>The target: f at or below this.</summary>
    public const double Target = 1e-4;

    /// <inheritdoc/>
    public string Name => "rosenbrock";

    /// <inheritdoc/>
    public string Description => "Rosenbrock 2-D and 10-D: GD, heavy ball, Nesterov, super-acceleration, Adam";

    /// <inheritdoc/>
    public double Weight => 0.3;

    /// <inheritdoc/>
    public ProblemReport Run(RunContext context)
    {
        int steps = context.StepsOr(10_000);
        var setups = context.Select(OptimizerTable.Rosenbrock, 1e-3);
        var report = new ProblemReport
        {
            Name = Name,
            Title = "5. Rosenbrock in 2 and 10 dimensions",
            Target = $"f <= {Target:G1}",
            Setup = $"""
                f(x) = sum_i 100 (x_(i+1) - x_i^2)^2 + (1 - x_i)^2, minimum 0 at (1, ..., 1), from (-1.2, 1) and from
                (-1.2, 1, -1.2, 1, ...) in 10 dimensions; {steps} steps. No seed paper fixes a setup for Rosenbrock: the step
                sizes are ours. Gradient descent eta = 1e-3 (stability needs eta < 2/1002 at the minimum); the momentum family
                eta = 2e-4, g = 0.9 (stable at the minimum for sigma < (1 + g)/(1002 eta) - 1/2 = 9); Adam lr = 0.02. Not reduced.
                {string.Join("; ", setups.Select(s => $"`{s.Name}`: {s.Settings}"))}.
                """,
        };
        var two = Runs.Group(context, report, "2-D from (-1.2, 1)", setups, TestFunctions.RosenbrockObjective(2), Budget.OfSteps(steps), Target, 0.5, trajectory: true);
        var ten = Runs.Group(context, report, "10-D from (-1.2, 1, -1.2, 1, ...)", setups, TestFunctions.RosenbrockObjective(10), Budget.OfSteps(steps), Target, 0.5);
        string dir = context.OutputDirectory;
        Plots.LogLoss(Path.Combine(dir, "rosenbrock-2d-loss.png"), "Rosenbrock 2-D from (-1.2, 1)", "step", "f (log scale)", Nakerst2DProblem.Curves(two));
        Plots.LogLoss(Path.Combine(dir, "rosenbrock-10d-loss.png"), "Rosenbrock 10-D", "step", "f (log scale)", Nakerst2DProblem.Curves(ten));
        Plots.Trajectories(Path.Combine(dir, "rosenbrock-2d-paths.png"), "Rosenbrock 2-D: trajectories", (x, y) => TestFunctions.Rosenbrock([x, y]), 0,
            (-1.6, 1.6, -0.6, 1.8), Nakerst2DProblem.Paths(two), (1, 1), "x_1", "x_2");
        report.Plots.Add(("rosenbrock-2d-loss.png", "2-D: f versus step."));
        report.Plots.Add(("rosenbrock-2d-paths.png", "2-D: trajectories over contour lines of log10(f + 1e-3)."));
        report.Plots.Add(("rosenbrock-10d-loss.png", "10-D: f versus step."));
        Claims.Rosenbrock(report, two, ten);
        return report;
    }
}
