using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using OdeOpt.Compare.Core;
using OdeOpt.Compare.Data;
using OdeOpt.Compare.Models;
using OdeOpt.Compare.Report;

namespace OdeOpt.Compare.Problems;

/// <summary>Problem 7: Bhattacharjee et al.'s abstract: Adam (IMEX Euler of the Adam ODE) against its higher-order IMEX
/// forms on two regression and two classification problems, at equal gradient evaluations, each method's learning rate
/// tuned on the same grid.</summary>
public sealed class ImexAdamProblem : IProblem
{
    /// <summary>The learning-rate grid every method is tuned on.</summary>
    public static readonly double[] Grid = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1];

    /// <summary>Points of the sine regression, examples per spiral arm.</summary>
    public const int SinePoints = 256, SpiralPoints = 200;

    /// <inheritdoc/>
    public string Name => "imex-adam";

    /// <inheritdoc/>
    public string Description => "Bhattacharjee et al.: Adam vs its IMEX-trapezoidal, IMEX-midpoint and ARS(2,3,3) forms, learning rate tuned per method, equal gradient evaluations, 2 regression + 2 classification problems";

    /// <inheritdoc/>
    public double Weight => 4;

    /// <summary>One of the four problems.</summary>
    public sealed record Task(string Name, string Kind, string Description, Func<IObjective> Objective, int Gradients, Func<float[], double>? TestAccuracy);

    /// <summary>y = sin(2 pi x) + 0.3 sin(6 pi x) at <see cref="SinePoints"/> even points of [-1, 1].</summary>
    public static Dataset Sine()
    {
        var x = new float[SinePoints];
        var y = new float[SinePoints];
        for (int i = 0; i < SinePoints; i++)
        {
            double t = -1 + 2.0 * i / (SinePoints - 1);
            x[i] = (float)t;
            y[i] = (float)(Math.Sin(2 * Math.PI * t) + 0.3 * Math.Sin(6 * Math.PI * t));
        }
        return Dataset.Regression(x, 1, y, 1);
    }

    /// <summary>Two interleaved spirals, <see cref="SpiralPoints"/> points each: arm c at angle t in [pi/4, 3 pi] lies at
    /// radius t/(3 pi) and angle t + c pi, plus Gaussian noise of standard deviation 0.02 (seeded).</summary>
    public static Dataset Spirals(int seed)
    {
        var rng = new Random(seed);
        var x = new float[4 * SpiralPoints];
        var labels = new int[2 * SpiralPoints];
        for (int i = 0; i < 2 * SpiralPoints; i++)
        {
            int c = i % 2;
            double t = Math.PI / 4 + (3 * Math.PI - Math.PI / 4) * (i / 2) / (SpiralPoints - 1), r = t / (3 * Math.PI);
            x[2 * i] = (float)(r * Math.Cos(t + c * Math.PI) + 0.02 * Normal(rng));
            x[2 * i + 1] = (float)(r * Math.Sin(t + c * Math.PI) + 0.02 * Normal(rng));
            labels[i] = c;
        }
        return Dataset.Classification(x, 2, labels, 2);
    }

    /// <inheritdoc/>
    public ProblemReport Run(RunContext context)
    {
        bool full = context.Full;
        int scale = full ? 3 : 1;
        int images = context.MlpSizes?.MiniBatchImages ?? (full ? 60_000 : 12_000), evaluationImages = context.MlpSizes?.TestImages ?? (full ? 10_000 : 2000);
        var (trainImages, testImages, description) = context.Images.Get(images, evaluationImages);
        var fashionTrain = Dataset.Of(trainImages);
        var fashionEvaluation = Dataset.Of(trainImages.Take(evaluationImages));
        var fashionTest = Dataset.Of(testImages);
        var sine = Sine();
        var spirals = Spirals(context.Seed);
        var fashionNet = new DenseNet([784, 30, 10], Activation.Sigmoid, Activation.Identity, Cost.SoftmaxCrossEntropy);
        var tasks = new List<Task>
        {
            new("linear regression", "regression", "problem 3's data (50 features, 1000 points, Nakerst et al. Section 3.2), loss MSE - MSE*, full batch",
                () => new LinearRegressionObjective(LinearRegressionProblem.Features, LinearRegressionProblem.Points, context.Seed), context.StepsOr(1000 * scale), null),
            new("sine regression", "regression", $"a 1-20-20-1 tanh network (linear output) fitting y = sin(2 pi x) + 0.3 sin(6 pi x) at {SinePoints} points of [-1, 1], quadratic cost (1/2n) sum (y - a)^2, full batch",
                () => new NetObjective(new DenseNet([1, 20, 20, 1], Activation.Tanh, Activation.Identity, Cost.Quadratic), sine, sine, 0, context.Seed, context.Seed), context.StepsOr(2000 * scale), null),
            new("two spirals", "classification", $"a 2-24-24-2 tanh network, softmax cross-entropy, {2 * SpiralPoints} points of two interleaved spirals (noise 0.02), full batch; accuracy on the training points",
                () => new NetObjective(new DenseNet([2, 24, 24, 2], Activation.Tanh, Activation.Identity, Cost.SoftmaxCrossEntropy), spirals, spirals, 0, context.Seed, context.Seed), context.StepsOr(600 * scale), null),
            new("image classification", "classification", $"a 784-30-10 sigmoid network with softmax cross-entropy on {description}, mini-batches of 100 from {fashionTrain.Count} images (both gradients of a two-gradient step use the step's batch), loss on the first {fashionEvaluation.Count} training images; test accuracy on {fashionTest.Count} test images",
                () => new NetObjective(fashionNet, fashionTrain, fashionEvaluation, 100, context.Seed, context.Seed + 1), context.StepsOr(600 * scale), p => fashionNet.Accuracy(p, fashionTest)),
        };
        var setups = context.Select(OptimizerTable.ImexAdamTuning, 1e-3);
        var report = new ProblemReport
        {
            Name = Name,
            Title = "7. Adam as IMEX Euler, and its higher-order IMEX forms (Bhattacharjee et al.)",
            Setup = $"""
                Only the abstract of Bhattacharjee et al. is available (`001_52749600d6ac7a88.txt`): its problems, networks, step sizes and
                budgets are not, so these four problems are ours, two of each kind the abstract names:
                {string.Join("\n", tasks.Select(t => $"- {t.Kind}, {t.Name}: {t.Description}; {t.Gradients} gradient evaluations."))}
                Methods: `{OptimizerTable.Adam}` (IMEX Euler, 1 gradient per step), `{OptimizerTable.ImexTrapezoidalAdam}` (second order, 1 gradient per
                step, first same as last), `{OptimizerTable.ImexMidpointAdam}` (second order, 2 gradients per step) and `{OptimizerTable.ImexArs233Adam}` (third order,
                3 gradients per step), all bias corrected as torch.optim.Adam, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, compared at equal numbers
                of gradient evaluations (a method with k gradients per step makes 1/k as many steps). Each method's learning rate is tuned on the
                grid {string.Join(", ", Grid.Select(g => g.ToString("G", CultureInfo.InvariantCulture)))}: the tuned run is the one with the lowest final loss.
                Initialisation of the networks: weights N(0, 1/n_in), biases N(0, 1), seed {context.Seed}.
                {(full ? "--full: three times the default budgets and 60,000 images." : "--full runs three times these budgets and 60,000 images.")}
                """,
        };
        var tuned = new List<(Task Task, IReadOnlyList<RunResult> Best, IReadOnlyList<RunResult> All)>();
        foreach (var task in tasks)
        {
            var objective = task.Objective();
            var runs = Runs.Group(context, report, $"{task.Kind}: {task.Name}", setups, objective, Budget.OfGradients(task.Gradients), 0, 1.0 / tasks.Count,
                evaluateEvery: task.Gradients >= 1000 ? 5 : 2, after: r =>
                {
                    if (task.TestAccuracy is { } accuracy && !r.Diverged) r.Extra["test accuracy"] = accuracy(r.FinalIterate);
                    if (objective is NetObjective net && net.Accuracies.Count > 0 && !double.IsNaN(net.Accuracies[^1])) r.Extra["accuracy"] = net.Accuracies[^1];
                });
            var best = runs.GroupBy(r => r.Setup.Name).Select(g => g.MinBy(r => r.Diverged ? double.PositiveInfinity : r.FinalLoss)!).ToArray();
            tuned.Add((task, best, runs));
            string file = $"imex-adam-{task.Name.Replace(' ', '-')}.png";
            Plots.LogLoss(Path.Combine(context.OutputDirectory, file), $"{task.Name}: each method at its tuned learning rate", "gradient evaluations", "loss (log scale)",
                best.Select(r => new Series(r.Setup.Label, r.Curve.Select(c => (double)c.Gradients).ToArray(), r.Curve.Select(c => c.Loss).ToArray())));
            report.Plots.Add((file, $"{task.Kind}, {task.Name}: loss against gradient evaluations, each method at the learning rate of the grid that gave it the lowest final loss."));
        }
        var summary = new System.Text.StringBuilder("**Tuned results** (each method at its best learning rate of the grid):\n\n| problem | method | tuned lr | final loss | vs Adam | accuracy |\n|---|---|---|---|---|---|\n");
        foreach (var (task, best, _) in tuned)
        {
            var adam = best.FirstOrDefault(r => r.Setup.Name == OptimizerTable.Adam);
            foreach (var r in best)
                summary.AppendLine($"| {task.Name} | `{r.Setup.Name}` | {r.Setup.Get(OptimizerTable.AdamRate).ToString("G", CultureInfo.InvariantCulture)} | {(r.Diverged ? "diverged" : r.FinalLoss.ToString("G4", CultureInfo.InvariantCulture))} | {(adam is null || r.Diverged ? "-" : (r.FinalLoss / adam.FinalLoss).ToString("F3", CultureInfo.InvariantCulture))} | {(r.Extra.TryGetValue("test accuracy", out var t) ? $"test {t:P1}" : r.Extra.TryGetValue("accuracy", out var a) ? $"train {a:P1}" : "")} |");
        }
        report.Notes.Add(summary.ToString());
        Claims.ImexAdam(report, tuned.Select(t => (t.Task.Name, t.Task.Kind, t.Best)).ToArray());
        return report;
    }

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
