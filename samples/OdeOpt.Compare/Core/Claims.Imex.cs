using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using OdeOpt.Compare.Problems;

namespace OdeOpt.Compare.Core;

public static partial class Claims
{
    /// <summary>Problem 7 (Bhattacharjee et al., abstract). <paramref name="tuned"/>: per problem, its kind and each method's
    /// run at its tuned learning rate.</summary>
    public static void ImexAdam(ProblemReport report, IReadOnlyList<(string Task, string Kind, IReadOnlyList<RunResult> Best)> tuned)
    {
        string[] higher = [OptimizerTable.ImexTrapezoidalAdam, OptimizerTable.ImexMidpointAdam, OptimizerTable.ImexArs233Adam];
        static double Loss(RunResult? r) => r is null || r.Diverged ? double.PositiveInfinity : r.FinalLoss;
        bool Beats(IReadOnlyList<RunResult> best, string method)
        {
            double adam = Loss(best.FirstOrDefault(r => r.Setup.Name == OptimizerTable.Adam)), other = Loss(best.FirstOrDefault(r => r.Setup.Name == method));
            return double.IsFinite(other) && other <= 0.95 * adam;
        }
        var complete = tuned.Where(t => t.Best.Any(r => r.Setup.Name == OptimizerTable.Adam) && higher.All(h => t.Best.Any(r => r.Setup.Name == h))).ToArray();
        if (complete.Length < 4 || complete.Count(t => t.Kind == "regression") < 2) return;
        var winners = higher.Where(h => complete.All(t => Beats(t.Best, h))).ToArray();
        string G(double x) => x.ToString("G4", CultureInfo.InvariantCulture);
        string Lr(RunResult r) => r.Setup.Get(OptimizerTable.AdamRate).ToString("G", CultureInfo.InvariantCulture);
        report.Claims.Add(new Claim("bhattacharjee-imex-beats-adam", "001_52749600d6ac7a88.txt, abstract",
            "Employing the time discretization point of view, we propose new extensions of the Adam scheme obtained by using higher order IMEX methods to solve the ODE. Based on this approach, we derive a new optimization algorithm for neural network training that performs better than classical Adam on several regression and classification problems.",
            $"one and the same higher-order IMEX form (trapezoidal, midpoint or ARS(2,3,3)), each method at the learning rate of the grid {string.Join(", ", ImexAdamProblem.Grid.Select(g => g.ToString("G", CultureInfo.InvariantCulture)))} with its lowest final loss, ends with a final loss at least 5% below tuned Adam's on every one of the {complete.Length} problems (two regression, two classification), at equal gradient evaluations.",
            winners.Length > 0,
            (winners.Length > 0 ? $"better than Adam on all: {string.Join(", ", winners)}. " : "no higher-order form is better than Adam on all of them. ")
                + string.Join("; ", complete.Select(t => $"{t.Task}: " + string.Join(", ", t.Best.Select(r => $"{r.Setup.Name} {(r.Diverged ? "diverged" : G(r.FinalLoss))} (lr {Lr(r)})"))
                    + $"; better than Adam: {Better(t.Best)}"))));
        string Better(IReadOnlyList<RunResult> best) => higher.Where(h => Beats(best, h)).ToArray() is { Length: > 0 } w ? string.Join(", ", w) : "none";
    }
}
