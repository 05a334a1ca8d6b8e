using System;
using System.Collections.Generic;
using System.Linq;

namespace OdeOpt.Compare.Core;

/// <summary>Runs a group of optimizer setups on one objective and files the results in a report.</summary>
public static class Runs
{
    /// <summary>Runs every setup; a setup that cannot be created or stepped (unknown hyperparameter, value out of range)
    /// is reported through <see cref="RunContext.Warn"/> and skipped.</summary>
    /// <param name="context">The run context (progress, warnings).</param>
    /// <param name="report">Receives the group.</param>
    /// <param name="group">The group's heading.</param>
    /// <param name="setups">The optimizers.</param>
    /// <param name="objective">Makes the objective (called once; every run starts from its start point).</param>
    /// <param name="budget">Steps or gradient evaluations per run.</param>
    /// <param name="target">The target loss.</param>
    /// <param name="share">This group's share of the problem's progress bar.</param>
    /// <param name="evaluateEvery">Record the loss every this many steps.</param>
    /// <param name="trajectory">Keep the iterates.</param>
    /// <param name="after">Called after each run with the objective (extra numbers).</param>
    public static List<RunResult> Group(RunContext context, ProblemReport report, string group, IReadOnlyList<OptimizerSetup> setups,
        IObjective objective, Budget budget, double target, double share, int evaluateEvery = 1, bool trajectory = false,
        Action<RunResult>? after = null)
    {
        var results = new List<RunResult>();
        double each = setups.Count == 0 ? 0 : share / setups.Count;
        foreach (var setup in setups)
        {
            double reported = 0;
            try
            {
                var r = Trainer.Run(setup, objective, budget, target, evaluateEvery, trajectory, f =>
                {
                    reported += f;
                    context.Progress(f * each);
                });
                foreach (var w in r.Warnings) context.Warn($"{report.Name}: {setup.Label}: {w}");
                after?.Invoke(r);
                results.Add(r);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                context.Warn($"{report.Name}: {setup.Label} ({setup.Name}) skipped: {e.Message}");
                context.Progress(Math.Max(0, 1 - reported) * each);
            }
        }
        report.Groups.Add((group, results));
        return results;
    }

    /// <summary>The run whose label is <paramref name="label"/>, or null.</summary>
    public static RunResult? Find(this IEnumerable<RunResult> runs, string label) => runs.FirstOrDefault(r => r.Setup.Label == label);

    /// <summary>The runs of <paramref name="name"/> whose sigma satisfies <paramref name="predicate"/>.</summary>
    public static IEnumerable<RunResult> WithSigma(this IEnumerable<RunResult> runs, Func<double, bool> predicate) =>
        runs.Where(r => !double.IsNaN(OptimizerTable.SigmaOf(r.Setup)) && predicate(OptimizerTable.SigmaOf(r.Setup)));
}
