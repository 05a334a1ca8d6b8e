using System;
using System.Collections.Generic;
using System.Diagnostics;

namespace OdeOpt.Compare.Core;

/// <summary>How long a run lasts: a number of steps, or a number of gradient evaluations (for comparisons at equal
/// cost between schemes that need different numbers of gradients per step).</summary>
public readonly record struct Budget(int Steps, int GradientEvaluations)
{
    /// <summary>Run <paramref name="steps"/> steps.</summary>
    public static Budget OfSteps(int steps) => new(steps, 0);

    /// <summary>Run until <paramref name="evaluations"/> gradients have been evaluated.</summary>
    public static Budget OfGradients(int evaluations) => new(0, evaluations);
}

/// <summary>What one optimizer run gave.</summary>
public sealed class RunResult
{
    /// <summary>The setup that ran.</summary>
    public required OptimizerSetup Setup { get; init; }

    /// <summary>The loss at the last iterate (infinity when the run diverged).</summary>
    public double FinalLoss { get; set; }

    /// <summary>The smallest recorded loss.</summary>
    public double BestLoss { get; set; } = double.PositiveInfinity;

    /// <summary>The first recorded step at which the loss was at or below the target, or null.</summary>
    public long? StepsToTarget { get; set; }

    /// <summary>The gradient evaluations made when the target was first reached, or null.</summary>
    public long? GradientsToTarget { get; set; }

    /// <summary>Gradient evaluations made.</summary>
    public long GradientEvaluations { get; set; }

    /// <summary>Steps made.</summary>
    public long Steps { get; set; }

    /// <summary>Mean wall time of one optimizer step, gradient evaluations included, loss evaluations excluded.</summary>
    public double MsPerStep { get; set; }

    /// <summary>Whether the loss or the parameters stopped being finite (the run was stopped there).</summary>
    public bool Diverged { get; set; }

    /// <summary>The recorded (step, gradient evaluations, loss) points; step 0 is the start.</summary>
    public List<(long Step, long Gradients, double Loss)> Curve { get; } = [];

    /// <summary>The iterates, when recorded (2-D problems).</summary>
    public List<float[]>? Trajectory { get; set; }

    /// <summary>The final iterate.</summary>
    public float[] FinalIterate { get; set; } = [];

    /// <summary>Warnings of the optimizer's Validate() method, if it has one.</summary>
    public IReadOnlyList<string> Warnings { get; set; } = [];

    /// <summary>The classification accuracy on the evaluation set at each point of <see cref="Curve"/>, when the problem
    /// records it (network problems); null otherwise.</summary>
    public List<double>? Accuracy { get; set; }

    /// <summary>Problem-specific numbers shown as extra columns in report.md (for example the distance to the minimum).</summary>
    public Dictionary<string, double> Extra { get; } = [];
}

/// <summary>Runs one optimizer on one objective.</summary>
public static class Trainer
{
    /// <summary>Runs <paramref name="setup"/> on <paramref name="objective"/>.</summary>
    /// <param name="setup">The optimizer and its hyperparameters.</param>
    /// <param name="objective">The loss.</param>
    /// <param name="budget">Steps or gradient evaluations.</param>
    /// <param name="target">The loss at or below which the target counts as reached.</param>
    /// <param name="evaluateEvery">Record the loss every this many steps (and at the last one).</param>
    /// <param name="recordTrajectory">Keep every iterate.</param>
    /// <param name="progress">Called after each step with the fraction of the budget done since the last call.</param>
    /// <param name="stopAtTarget">End the run at the first recorded point at or below the target (tuning runs).</param>
    public static RunResult Run(OptimizerSetup setup, IObjective objective, Budget budget, double target, int evaluateEvery = 1,
        bool recordTrajectory = false, Action<double>? progress = null, bool stopAtTarget = false)
    {
        var optimizer = OptimizerFactory.Create(setup, objective.Dimension);
        WarmUp(optimizer, setup, objective);
        var result = new RunResult { Setup = setup, Warnings = OptimizerFactory.ValidationWarnings(optimizer) };
        var parameters = objective.Start();
        var iterate = (float[])parameters.Clone();
        long gradients = 0;
        GradientFunction gradient = (p, g) => { gradients++; objective.Gradient(p, g); };
        // A line search compares losses: it gets them with the gradient (Step(parameters, LossGradientFunction)).
        bool needsLoss = optimizer.Info.StepControl == StepControl.Armijo;
        LossGradientFunction lossAndGradient = (p, g) => { gradients++; objective.Gradient(p, g); return (float)objective.Value(p); };
        if (recordTrajectory) result.Trajectory = [(float[])iterate.Clone()];

        void Record(long step)
        {
            double loss = objective.Loss(iterate);
            if (!double.IsFinite(loss)) loss = double.PositiveInfinity;
            result.Curve.Add((step, gradients, loss));
            result.FinalLoss = loss;
            if (loss < result.BestLoss) result.BestLoss = loss;
            if (result.StepsToTarget is null && loss <= target)
            {
                result.StepsToTarget = step;
                result.GradientsToTarget = gradients;
            }
        }

        Record(0);
        double total = budget.Steps > 0 ? budget.Steps : budget.GradientEvaluations;
        double done = 0;
        var clock = new Stopwatch();
        long step = 0;
        evaluateEvery = Math.Max(1, evaluateEvery);
        while (budget.Steps > 0 ? step < budget.Steps : gradients < budget.GradientEvaluations)
        {
            step++;
            objective.BeginStep(step);
            clock.Start();
            if (needsLoss) optimizer.Step(parameters, lossAndGradient);
            else optimizer.Step(parameters, gradient);
            clock.Stop();
            optimizer.GetIterate(parameters, iterate);
            bool finite = AllFinite(iterate);
            bool last = budget.Steps > 0 ? step == budget.Steps : gradients >= budget.GradientEvaluations;
            if (recordTrajectory) result.Trajectory!.Add((float[])iterate.Clone());
            if (!finite || step % evaluateEvery == 0 || last) Record(step);
            if (!finite || double.IsPositiveInfinity(result.FinalLoss))
            {
                result.Diverged = true;
                result.FinalLoss = double.PositiveInfinity;
                progress?.Invoke(1 - done / total);
                break;
            }
            double now = budget.Steps > 0 ? step : gradients;
            progress?.Invoke((now - done) / total);
            done = now;
            if (stopAtTarget && result.StepsToTarget is not null)
            {
                progress?.Invoke(1 - done / total);
                break;
            }
        }
        result.Steps = step;
        result.GradientEvaluations = gradients;
        // Schemes that choose their step: attempts undone and the step size they ended with.
        if (optimizer.Info.StepControl != StepControl.None && optimizer.GetType().GetProperty("Statistics")?.GetValue(optimizer) is StepStatistics statistics)
        {
            result.Extra["rejected attempts"] = statistics.RejectedSteps;
            result.Extra["final h"] = statistics.StepSize;
        }
        result.MsPerStep = step == 0 ? 0 : clock.Elapsed.TotalMilliseconds / step;
        result.FinalIterate = iterate;
        return result;
    }

    private static readonly HashSet<Type> s_warm = [];

    /// <summary>Steps a throwaway instance of the optimizer's type once, so that ms / step does not include compiling its
    /// kernel. The gradient of that step is not counted.</summary>
    private static void WarmUp(IOptimizer optimizer, OptimizerSetup setup, IObjective objective)
    {
        lock (s_warm) if (!s_warm.Add(optimizer.GetType())) return;
        var scratch = OptimizerFactory.Create(setup, objective.Dimension);
        var parameters = objective.Start();
        for (int i = 0; i < 2; i++)
        {
            if (scratch.Info.StepControl == StepControl.Armijo) scratch.Step(parameters, (p, g) => { objective.Gradient(p, g); return (float)objective.Value(p); });
            else scratch.Step(parameters, objective.Gradient);
        }
        objective.Start();
    }

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (var v in values) if (!float.IsFinite(v)) return false;
        return true;
    }
}
