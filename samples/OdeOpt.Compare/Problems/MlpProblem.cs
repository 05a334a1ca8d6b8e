using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using OdeOpt.Compare.Core;
using OdeOpt.Compare.Data;
using OdeOpt.Compare.Models;
using OdeOpt.Compare.Report;

namespace OdeOpt.Compare.Problems;

/// <summary>Sizes of the network runs of Figs. 5-6: the paper's (full) or the reduced default suite's.</summary>
/// <param name="FullBatchImages">Training images of the full-batch runs (Fig. 5).</param>
/// <param name="FullBatchSteps">Steps (epochs) of the full-batch runs; the paper shows 400.</param>
/// <param name="MiniBatchImages">Training images of the mini-batch runs (Fig. 6).</param>
/// <param name="MiniBatchEpochs">Epochs of the mini-batch runs.</param>
/// <param name="BatchSize">Images per mini-batch; the paper's 200.</param>
/// <param name="TestImages">Test images the accuracy and loss are computed on.</param>
/// <param name="StochasticRuns">Stochastic runs of Fig. 6 (batch orders); the paper shows three.</param>
/// <param name="EvaluateEvery">Test accuracy and loss every this many steps.</param>
public sealed record MlpSizes(int FullBatchImages, int FullBatchSteps, int MiniBatchImages, int MiniBatchEpochs, int BatchSize, int TestImages,
    int StochasticRuns = 3, int EvaluateEvery = 5)
{
    /// <summary>The reduced default suite.</summary>
    public static MlpSizes Reduced { get; } = new(3000, 400, 12_000, 5, 200, 2000);

    /// <summary>The paper's sizes: 60,000 training and 10,000 test images, 400 full-batch steps; 10 epochs of mini-batches
    /// (the paper's Fig. 6 axis is not in the text: our choice).</summary>
    public static MlpSizes Full { get; } = new(60_000, 400, 60_000, 10, 200, 10_000, EvaluateEvery: 10);

    /// <summary>Mini-batch steps per epoch.</summary>
    public int StepsPerEpoch => MiniBatchImages / BatchSize;

    /// <summary>Mini-batch steps.</summary>
    public int MiniBatchSteps => StepsPerEpoch * MiniBatchEpochs;
}

/// <summary>Problem 6: Nakerst et al. Section 4, Figs. 5-6: sigmoid networks 784-30-10 and 784-15-15-10 trained with the
/// quadratic cost by the momentum rule (eta = 0.5, g = 0.9, sigma = 0, 0.9, 2, 4, 20), full batch (Fig. 5) and in
/// mini-batches of 200 (Fig. 6, three stochastic runs); accuracy and loss on the test images. Every run is repeated with
/// the plain (unsquared) distance as the cost, to see whether that reading changes a verdict.</summary>
public sealed class MlpProblem : IProblem
{
    /// <summary>The target of "steps to target": test cost at or below this (quadratic cost).</summary>
    public const double Target = 0.1;

    /// <summary>The networks of Fig. 5: (a, b) and (c, d).</summary>
    public static readonly int[][] Networks = [[784, 30, 10], [784, 15, 15, 10]];

    /// <inheritdoc/>
    public string Name => "mlp";

    /// <inheritdoc/>
    public string Description => "Sigmoid networks 784-30-10 and 784-15-15-10, quadratic cost, eta = 0.5, sigma in {0, 0.9, 2, 4, 20}: full batch and mini-batches of 200 (Figs. 5-6)";

    /// <inheritdoc/>
    public double Weight => 6;

    /// <summary>The network of <paramref name="sizes"/> with Nielsen's sigmoid units and <paramref name="cost"/>.</summary>
    public static DenseNet Network(int[] sizes, Cost cost) => new(sizes, Activation.Sigmoid, Activation.Sigmoid, cost);

    /// <inheritdoc/>
    public ProblemReport Run(RunContext context)
    {
        var sizes = context.MlpSizes ?? (context.Full ? MlpSizes.Full : MlpSizes.Reduced);
        int fullSteps = context.StepsOr(sizes.FullBatchSteps), miniSteps = context.StepsOr(sizes.MiniBatchSteps);
        var (trainImages, testImages, description) = context.Images.Get(System.Math.Max(sizes.FullBatchImages, sizes.MiniBatchImages), sizes.TestImages);
        if (context.Images.Problem is { } problem) context.Warn(problem);
        var train = Dataset.Of(trainImages);
        var fullTrain = Dataset.Of(trainImages.Take(sizes.FullBatchImages));
        var test = Dataset.Of(testImages);
        var setups = context.Select(OptimizerTable.MlpFullBatch, 0.5);
        var miniSetups = context.Select(OptimizerTable.MlpMiniBatch, 0.5);
        var report = new ProblemReport
        {
            Name = Name,
            Title = "6. Networks on images (Nakerst et al., Section 4, Figs. 5-6)",
            Target = $"test cost <= {Target:G2} (quadratic cost)",
            Setup = $"""
                Paper (Section 4): "The loss function used is the Euclidean distance of the output from the one-hot vector
                corresponding to the digit label, averaged over the images." The paper cites Nielsen (2015) and follows his chapter 3 for the
                initialisation, so this reads the loss as Nielsen's quadratic cost C = (1/2n) sum_x ||y(x) - a(x)||^2 with sigmoid neurons
                (hidden and output), weights Gaussian with standard deviation 1/sqrt(n_in) and biases with 1 ("widths either unity (biases) or
                normalized by the number of nodes in that layer (weights)"), the same start for every optimizer (seed {context.Seed}).
                Every run is repeated with the plain distance C = (1/n) sum_x ||y(x) - a(x)|| as the cost (the second reading of the
                sentence); the claims are decided on the quadratic cost and the table after the runs says whether the distance changes a verdict.
                Data: {description}. Digit MNIST is not packaged on this machine; Fashion-MNIST (the same format: 28 x 28 grey images, 10 classes,
                60,000 + 10,000) stands in, or a synthetic image set when it is absent. Pixels scaled to [0, 1].
                Momentum rule (4) with eta = 0.5 ("We run the minimization algorithms with learning rate eta = 0.5 in each case"), g = 0.9,
                sigma = 0 (heavy ball), 0.9 (Nesterov), 2, 4, 20.
                Fig. 5: full batch ("each step is an epoch"), {fullTrain.Count} training images, {fullSteps} steps, networks 784-30-10 and 784-15-15-10.
                Fig. 6: mini-batches of {sizes.BatchSize} from {train.Count} training images ({sizes.StepsPerEpoch} steps an epoch), {miniSteps} steps
                ({sizes.MiniBatchEpochs} epochs), {sizes.StochasticRuns} stochastic runs (batch orders from seeds {context.Seed + 1}..{context.Seed + sizes.StochasticRuns}; every sigma sees the same
                batches in a run), network 784-30-10. The paper's Fig. 6 step range is not in the text: {sizes.MiniBatchEpochs} epochs is our choice.
                Loss and accuracy on {test.Count} test images every {sizes.EvaluateEvery} steps (the paper: "The accuracy and loss are calculated on test data").
                {(context.Full ? "The paper's sizes (--full)." : $"Reduced suite: {fullTrain.Count} images for full batch (the paper: 60,000), {train.Count} for mini-batches and {test.Count} test images (the paper: 10,000); --full runs the paper's sizes.")}
                """,
        };
        var studies = new List<Claims.MlpStudy>();
        double share = 1.0 / 2;
        foreach (var cost in new[] { Cost.Quadratic, Cost.Distance })
        {
            string costName = cost == Cost.Quadratic ? "quadratic cost" : "unsquared distance";
            var full = new List<(string, IReadOnlyList<RunResult>)>();
            foreach (var net in Networks)
            {
                var objective = new NetObjective(Network(net, cost), fullTrain, test, 0, context.Seed, context.Seed);
                var runs = Runs.Group(context, report, $"Fig. 5, {string.Join("-", net)}, full batch of {fullTrain.Count}, {costName}", setups,
                    objective, Budget.OfSteps(fullSteps), Target, share * (net.Length == 3 ? 0.45 : 0.3), sizes.EvaluateEvery,
                    after: r => Accuracy(r, objective));
                full.Add((string.Join("-", net), runs));
            }
            var mini = new List<IReadOnlyList<RunResult>>();
            for (int run = 1; run <= sizes.StochasticRuns; run++)
            {
                var objective = new NetObjective(Network(Networks[0], cost), train, test, sizes.BatchSize, context.Seed, context.Seed + run);
                mini.Add(Runs.Group(context, report, $"Fig. 6, 784-30-10, mini-batches of {sizes.BatchSize}, stochastic run {run}, {costName}", miniSetups,
                    objective, Budget.OfSteps(miniSteps), Target, share * 0.25 / sizes.StochasticRuns, sizes.EvaluateEvery,
                    after: r => Accuracy(r, objective)));
            }
            studies.Add(new Claims.MlpStudy(costName, full, mini, sizes.StepsPerEpoch));
        }

        string dir = context.OutputDirectory;
        var quadratic = studies[0];
        foreach (var (net, runs) in quadratic.FullBatch)
        {
            string panel = net == "784-30-10" ? "(a, b)" : "(c, d)";
            Plots.Lines(Path.Combine(dir, $"mlp-fig5-{net}-accuracy.png"), $"{net}, full batch: test accuracy (eta = 0.5, g = 0.9)", "step (epoch)", "test accuracy", AccuracySeries(runs, ""), [], false);
            Plots.LogLoss(Path.Combine(dir, $"mlp-fig5-{net}-loss.png"), $"{net}, full batch: test cost (eta = 0.5, g = 0.9)", "step (epoch)", "quadratic cost on the test images (log scale)", Nakerst2DProblem.Curves(runs));
            report.Plots.Add(($"mlp-fig5-{net}-accuracy.png", $"Fig. 5 {panel}, {net}. Paper: \"Super-acceleration tested on training neural networks on MNIST digit classification. The accuracy and loss are calculated on test data during training. The gradient descent is non-stochastic: each step is an 'epoch'.\" Here: test accuracy against step."));
            report.Plots.Add(($"mlp-fig5-{net}-loss.png", $"Fig. 5 {panel}, {net}: the quadratic cost on the test images against step."));
        }
        var stochastic = quadratic.MiniBatch.SelectMany((runs, k) => runs.Select(r => (r, k + 1))).ToArray();
        Plots.Lines(Path.Combine(dir, "mlp-fig6-accuracy.png"), $"784-30-10, mini-batches of {sizes.BatchSize}: test accuracy, {sizes.StochasticRuns} runs", "step", "test accuracy",
            stochastic.Select(x => AccuracySeries([x.r], $", run {x.Item2}").Single()), [], false);
        Plots.LogLoss(Path.Combine(dir, "mlp-fig6-loss.png"), $"784-30-10, mini-batches of {sizes.BatchSize}: test cost, {sizes.StochasticRuns} runs", "step", "quadratic cost on the test images (log scale)",
            stochastic.Select(x => new Series($"{x.r.Setup.Label}, run {x.Item2}", x.r.Curve.Select(c => (double)c.Step).ToArray(), x.r.Curve.Select(c => c.Loss).ToArray())));
        report.Plots.Add(("mlp-fig6-accuracy.png", $"Fig. 6. Paper: \"Now, stochastic gradient descent is used. The training set is divided into mini-batches, each containing 200 training images. Each epoch now consists of 60000/200 = 300 steps. Three different stochastic runs are shown.\" Here: test accuracy against step, {sizes.StochasticRuns} runs ({sizes.StepsPerEpoch} steps an epoch)."));
        report.Plots.Add(("mlp-fig6-loss.png", "Fig. 6: the quadratic cost on the test images against step."));

        var verdicts = studies.Select(Claims.Mlp).ToArray();
        report.Claims.AddRange(verdicts[0]);
        var table = new System.Text.StringBuilder("**Does the unsquared distance change a verdict?** The same rules on the runs trained and evaluated with C = (1/n) sum ||y - a||:\n\n| claim | quadratic cost (decides the claim) | unsquared distance | numbers under the distance |\n|---|---|---|---|\n");
        foreach (var (q, d) in verdicts[0].Zip(verdicts[1]))
            table.AppendLine($"| `{q.Id}` | {Verdict(q)} | {Verdict(d)}{(q.Reproduced == d.Reproduced ? "" : " (**changed**)")} | {d.Evidence.Replace("|", "\\|")} |");
        report.Notes.Add(table.ToString());
        return report;
    }

    private static string Verdict(Claim c) => c.Reproduced ? "reproduced" : "not reproduced";

    private static void Accuracy(RunResult r, NetObjective objective)
    {
        r.Accuracy = [.. objective.Accuracies];
        if (r.Accuracy.Count > 0) r.Extra["final test accuracy"] = r.Accuracy[^1];
    }

    internal static IEnumerable<Series> AccuracySeries(IEnumerable<RunResult> runs, string suffix) =>
        runs.Where(r => r.Accuracy is { Count: > 0 }).Select(r => new Series(r.Setup.Label + suffix,
            r.Curve.Take(r.Accuracy!.Count).Select(c => (double)c.Step).ToArray(), [.. r.Accuracy!]));
}
