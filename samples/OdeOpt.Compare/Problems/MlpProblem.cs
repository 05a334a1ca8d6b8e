using System.IO;
using OdeOpt.Compare.Core;
using OdeOpt.Compare.Models;
using OdeOpt.Compare.Report;

namespace OdeOpt.Compare.Problems;

/// <summary>Sizes of the MLP runs: the papers' (full) or the reduced suite's.</summary>
public sealed record MlpSizes(int FullBatchImages, int FullBatchSteps, int MiniBatchImages, int MiniBatchEpochs, int BatchSize, int EvaluationImages, int TestImages)
{
    /// <summary>The reduced default suite.</summary>
    public static MlpSizes Reduced { get; } = new(2000, 400, 60_000, 3, 200, 2000, 2000);

    /// <summary>The papers' sizes (the whole Fashion-MNIST training set).</summary>
    public static MlpSizes Full { get; } = new(60_000, 200, 60_000, 10, 200, 10_000, 10_000);

    /// <summary>Mini-batch steps.</summary>
    public int MiniBatchSteps => MiniBatchImages / BatchSize * MiniBatchEpochs;
}

/// <summary>Problem 6: the 784-30-10 perceptron of Nakerst et al. Figs. 5-6, full batch and mini-batches of 200.</summary>
public sealed class MlpProblem : IProblem
{
    /// <summary>The target: mean cross-entropy cost at or below this.</summary>
    public const double Target = 1.0;

    /// <inheritdoc/>
    public string Name => "mlp";

    /// <inheritdoc/>
    public string Description => "MLP 784-30-10 on Fashion-MNIST (or synthetic images): full batch eta = 0.5, sigma in {0, 0.9, 2, 4, 20}; mini-batches of 200 (Figs. 5-6)";

    /// <inheritdoc/>
    public double Weight => 4;

    /// <inheritdoc/>
    public ProblemReport Run(RunContext context)
    {
        var sizes = context.MlpSizes ?? (context.Full ? MlpSizes.Full : MlpSizes.Reduced);
        int fullSteps = context.StepsOr(sizes.FullBatchSteps), miniSteps = context.StepsOr(sizes.MiniBatchSteps);
        var (train, test, description) = context.Images.Get(System.Math.Max(sizes.FullBatchImages, sizes.MiniBatchImages), sizes.TestImages);
        if (context.Images.Problem is { } problem) context.Warn(problem);
        var fullTrain = train.Take(sizes.FullBatchImages);
        var evaluation = train.Take(sizes.EvaluationImages);
        var report = new ProblemReport
        {
            Name = Name,
            Title = "6. A 784-30-10 perceptron (Nakerst et al., Figs. 5-6)",
            Target = $"mean cost <= {Target:G2}",
            Setup = $"""
                Data: {description}. Network 784-30-10 with sigmoid hidden and output units and the cross-entropy cost
                C = -(1/n) sum_x sum_k [y_k ln a_k + (1 - y_k) ln(1 - a_k)] (Nielsen's network2 setup, which the paper's eta = 0.5
                points to; the paper's activation and cost could not be confirmed); weights N(0, 1/fan-in), biases N(0, 1), seed
                {context.Seed}. Pixels scaled to [0, 1]. Momentum rule with eta = 0.5, g = 0.9, sigma in (0, 0.9, 2, 4, 20).
                Full batch: {fullTrain.Count} training images, {fullSteps} steps; loss = the mean cost on those images.
                Mini-batches of {sizes.BatchSize}: {train.Count} training images, {miniSteps} steps ({sizes.MiniBatchEpochs} epochs, the same shuffled batches for every
                optimizer); loss = the mean cost on the first {evaluation.Count} training images, every 5 steps.
                Test accuracy on {test.Count} test images. {(context.Full ? "Papers' sizes (--full)." : $"Reduced suite: the papers use all 60,000 training images; here {sizes.FullBatchImages} for full batch and {sizes.MiniBatchImages} for mini-batches (--full runs 60,000).")}
                """,
        };
        void Accuracy(RunResult r, MlpObjective o) => r.Extra["test accuracy"] = o.Model.Accuracy(r.FinalIterate, test);
        var full = new MlpObjective(fullTrain, fullTrain, 0, context.Seed);
        var fullRuns = Runs.Group(context, report, $"Full batch ({fullTrain.Count} images), eta = 0.5", context.Select(OptimizerTable.MlpFullBatch, 0.5),
            full, Budget.OfSteps(fullSteps), Target, 0.6, evaluateEvery: 1, after: r => Accuracy(r, full));
        var mini = new MlpObjective(train, evaluation, sizes.BatchSize, context.Seed);
        var miniRuns = Runs.Group(context, report, $"Mini-batches of {sizes.BatchSize} ({train.Count} images), eta = 0.5", context.Select(OptimizerTable.MlpMiniBatch, 0.5),
            mini, Budget.OfSteps(miniSteps), Target, 0.4, evaluateEvery: 5, after: r => Accuracy(r, mini));
        string dir = context.OutputDirectory;
        Plots.LogLoss(Path.Combine(dir, "mlp-full-batch-loss.png"), $"MLP 784-30-10, full batch of {fullTrain.Count} (eta = 0.5, g = 0.9)", "step", "mean cost (log scale)", Nakerst2DProblem.Curves(fullRuns));
        Plots.LogLoss(Path.Combine(dir, "mlp-mini-batch-loss.png"), $"MLP 784-30-10, mini-batches of {sizes.BatchSize} (eta = 0.5, g = 0.9)", "step", "mean cost (log scale)", Nakerst2DProblem.Curves(miniRuns));
        report.Plots.Add(("mlp-full-batch-loss.png", "Full batch: mean cost versus step (Fig. 5)."));
        report.Plots.Add(("mlp-mini-batch-loss.png", "Mini-batches: mean cost on the evaluation images versus step (Fig. 6)."));
        Claims.Mlp(report, fullRuns, miniRuns);
        return report;
    }
}
