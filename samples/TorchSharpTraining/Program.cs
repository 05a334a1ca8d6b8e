using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using OdeOpt.Compare.Data;
using OdeOpt.Optimizers;
using OdeOpt.TorchSharp;
using Spectre.Console;
using TorchSharp;
using TorchSharpTraining;
using static TorchSharp.torch;

// TorchSharpTraining: a small CNN on Fashion-MNIST trained with TorchSharp autograd, once per optimizer (torch.optim.Adam
// and three OdeOpt optimizers through OdeOpt.TorchSharp), from the same initial weights and in the same batch order.

var epochs = new Option<int>("--epochs") { Description = "Epochs of every run.", DefaultValueFactory = _ => 3 };
var train = new Option<int>("--train") { Description = "Training images (the first N of the 60 000; --train 60000 for all).", DefaultValueFactory = _ => 10_000 };
var test = new Option<int>("--test") { Description = "Test images (the first N of the 10 000).", DefaultValueFactory = _ => 10_000 };
var batch = new Option<int>("--batch") { Description = "Mini-batch size.", DefaultValueFactory = _ => 64 };
var data = new Option<string?>("--data") { Description = $"Directory with the Fashion-MNIST IDX files (.gz or plain). Default: {FashionMnist.DefaultDirectory}; a synthetic image set when it is absent." };
var output = new Option<string>("--out") { Description = "Output directory.", DefaultValueFactory = _ => Path.Combine("artifacts", "torchsharp-training") };
var threads = new Option<int?>("--threads") { Description = "libtorch intra-op threads (default: libtorch's choice, one per core)." };
var seed = new Option<int>("--seed") { Description = "Seed of the initial weights and of the batch order.", DefaultValueFactory = _ => 1 };
var lr = new Option<double>("--lr") { Description = "Learning rate of the three Adams.", DefaultValueFactory = _ => 1e-3 };
var samEta = new Option<double>("--sam-eta") { Description = "super-accelerated-momentum: eta (LearningRate; h = 1).", DefaultValueFactory = _ => 0.02 };
var samMomentum = new Option<double>("--sam-momentum") { Description = "super-accelerated-momentum: momentum g.", DefaultValueFactory = _ => 0.9 };
var samSigma = new Option<double>("--sam-sigma") { Description = "super-accelerated-momentum: look-ahead sigma.", DefaultValueFactory = _ => 2.0 };
var only = new Option<string[]>("--optimizer") { Description = "Run only these (comma-separated or repeated): torch.optim.Adam, adam, imex-trapezoidal-adam, super-accelerated-momentum. Default: all four.", AllowMultipleArgumentsPerToken = true };

var root = new RootCommand("Trains a small CNN on Fashion-MNIST with TorchSharp, comparing torch.optim.Adam with OdeOpt's adam, imex-trapezoidal-adam and super-accelerated-momentum.")
{
    epochs, train, test, batch, data, output, threads, seed, lr, samEta, samMomentum, samSigma, only,
};
root.SetAction(result => App.Run(new Settings(
    result.GetValue(epochs), result.GetValue(train), result.GetValue(test), result.GetValue(batch), result.GetValue(data),
    result.GetValue(output) ?? Path.Combine("artifacts", "torchsharp-training"), result.GetValue(threads), result.GetValue(seed),
    result.GetValue(lr), result.GetValue(samEta), result.GetValue(samMomentum), result.GetValue(samSigma),
    (result.GetValue(only) ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray())));
return root.Parse(args).Invoke();

namespace TorchSharpTraining
{
    /// <summary>The command's options.</summary>
    public sealed record Settings(int Epochs, int Train, int Test, int Batch, string? Data, string Out, int? Threads, int Seed,
        double LearningRate, double SamEta, double SamMomentum, double SamSigma, string[] Optimizers);

    public static class App
    {
        private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

        public static int Run(Settings s)
        {
            var console = AnsiConsole.Console;
            string? error =
                s.Epochs < 1 ? "--epochs must be at least 1." :
                s.Train < 1 ? "--train must be at least 1." :
                s.Test < 1 ? "--test must be at least 1." :
                s.Batch < 1 ? "--batch must be at least 1." :
                s.Threads is < 1 ? "--threads must be at least 1." :
                !(s.LearningRate > 0) || !(s.SamEta > 0) ? "--lr and --sam-eta must be positive." :
                s.SamMomentum is < 0 or > 1 ? "--sam-momentum must lie in [0, 1]." : null;
            if (error is not null)
            {
                console.MarkupLineInterpolated($"[red]error:[/] {error}");
                return 2;
            }
            var total = Stopwatch.StartNew();
            if (s.Threads is int threadCount) torch.set_num_threads(threadCount);

            // ---------------------------------------------------------------- data
            var (trainSet, testSet, description, synthetic) = LoadData(s, console);
            float mean = trainSet.Images.Average();
            float std = MathF.Sqrt(trainSet.Images.Select(v => (v - mean) * (v - mean)).Average());
            using var trainingData = new TrainingData(
                ToImages(trainSet, mean, std), ToLabels(trainSet), ToImages(testSet, mean, std), ToLabels(testSet),
                s.Batch, s.Epochs, s.Seed);

            // ---------------------------------------------------------------- model and optimizers
            torch.manual_seed(s.Seed);
            var initial = new Dictionary<string, Tensor>();
            double initialAccuracy;
            long parameterCount;
            using (var reference = Cnn.Create())
            {
                foreach (var (name, p) in reference.named_parameters()) initial[name] = p.detach().clone();
                parameterCount = reference.parameters().Sum(p => p.numel());
                initialAccuracy = Trainer.Evaluate(reference, trainingData);
            }
            float adamLr = (float)s.LearningRate;
            var contenders = new List<Contender>
            {
                new("torch.optim.Adam", $"lr {Fmt(s.LearningRate)}", ps => optim.Adam(ps, lr: s.LearningRate)),
                new("adam", $"LearningRate {Fmt(s.LearningRate)}", ps => OdeOptimizer.Create<Adam>(ps, a => a.LearningRate = adamLr)),
                new("imex-trapezoidal-adam", $"LearningRate {Fmt(s.LearningRate)}",
                    ps => OdeOptimizer.Create("imex-trapezoidal-adam", ps, new Dictionary<string, double> { ["LearningRate"] = s.LearningRate })),
                new("super-accelerated-momentum", $"eta {Fmt(s.SamEta)}, momentum {Fmt(s.SamMomentum)}, sigma {Fmt(s.SamSigma)}",
                    ps => OdeOptimizer.Create("super-accelerated-momentum", ps, new Dictionary<string, double>
                    {
                        ["LearningRate"] = s.SamEta, ["Momentum"] = s.SamMomentum, ["Sigma"] = s.SamSigma,
                    })),
            };

            if (s.Optimizers.Length > 0)
            {
                var unknown = s.Optimizers.Where(n => !contenders.Any(c => string.Equals(c.Label, n, StringComparison.OrdinalIgnoreCase))).ToList();
                if (unknown.Count > 0)
                {
                    console.MarkupLineInterpolated($"[red]error:[/] unknown --optimizer {string.Join(", ", unknown)}; known: {string.Join(", ", contenders.Select(c => c.Label))}.");
                    return 2;
                }
                contenders.RemoveAll(c => !s.Optimizers.Contains(c.Label, StringComparer.OrdinalIgnoreCase));
            }

            console.Write(new Rule("[bold]TorchSharp training: a CNN on " + (synthetic ? "SYNTHETIC images" : "Fashion-MNIST") + "[/]").LeftJustified());
            console.MarkupLineInterpolated($"Data: {description}");
            console.MarkupLineInterpolated($"{trainSet.Count} training images, {testSet.Count} test images, batch {s.Batch}, {s.Epochs} epochs ({trainingData.StepsPerEpoch} steps each), seed {s.Seed}, libtorch threads: {torch.get_num_threads()}");
            console.MarkupLineInterpolated($"Model: conv 1->16 5x5, relu, maxpool 2, conv 16->32 5x5, relu, maxpool 2, linear 512->128, relu, linear 128->10 ({parameterCount} parameters); test accuracy at the shared initial weights {initialAccuracy:P2}");
            console.MarkupLine("Optimizers, each from those weights and in the same batch order:");
            foreach (var c in contenders) console.MarkupLineInterpolated($"  [bold]{c.Label}[/]: {c.Settings}");
            console.WriteLine();

            // ---------------------------------------------------------------- training
            var results = new List<RunResult>();
            int stepsPerRun = trainingData.StepsPerEpoch * s.Epochs;
            console.MarkupLine("Training (after each epoch its test accuracy joins the optimizer's name):");
            console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .Start(ctx =>
                {
                    var tasks = contenders.Select(c => ctx.AddTask(Describe(c, "", s.Epochs), autoStart: false, maxValue: stepsPerRun)).ToList();
                    for (int k = 0; k < contenders.Count; k++)
                    {
                        var c = contenders[k];
                        var task = tasks[k];
                        task.StartTask();
                        string accuracies = "";
                        var result = Trainer.Run(c, initial, trainingData, s.Epochs, (steps, epoch, accuracy) =>
                        {
                            task.Value = steps;
                            if (epoch >= 0)
                            {
                                accuracies += (accuracies.Length == 0 ? "" : " ") + (double.IsFinite(accuracy) ? (100 * accuracy).ToString("F1", Inv) + "%" : "diverged");
                                task.Description = Describe(c, accuracies, s.Epochs);
                            }
                        });
                        task.StopTask();
                        results.Add(result);
                    }
                });
            foreach (var t in initial.Values) t.Dispose();

            // ---------------------------------------------------------------- results
            console.WriteLine();
            var table = new Table().Title($"Test accuracy per epoch ({(synthetic ? "SYNTHETIC images" : "Fashion-MNIST")}, {trainSet.Count} training / {testSet.Count} test images)");
            table.AddColumn("Optimizer");
            for (int e = 1; e <= s.Epochs; e++) table.AddColumn(new TableColumn($"Epoch {e}").RightAligned());
            table.AddColumn(new TableColumn("Loss").RightAligned());
            table.AddColumn(new TableColumn("ms/step").RightAligned());
            table.AddColumn(new TableColumn("Run s").RightAligned());
            double best = results.Max(r => double.IsFinite(r.Accuracy[^1]) ? r.Accuracy[^1] : 0);
            foreach (var r in results)
            {
                var cells = new List<string> { Markup.Escape(r.Contender.Label) };
                for (int e = 0; e < s.Epochs; e++)
                {
                    string cell = Percent(r.Accuracy[e]);
                    cells.Add(e == s.Epochs - 1 && r.Accuracy[e] == best ? $"[bold green]{cell}[/]" : cell);
                }
                cells.Add(r.TrainLoss[^1].ToString("F4", Inv));
                cells.Add(r.StepMilliseconds.ToString("F3", Inv));
                cells.Add(r.Seconds.ToString("F1", Inv));
                table.AddRow(cells.ToArray());
            }
            console.Write(table);
            console.MarkupLine("[grey]Loss: mean training cross-entropy of the last epoch. ms/step: Stopwatch around opt.step() alone, mean over all steps but the first (which allocates the optimizer state). Run s: training and evaluation.[/]");

            Directory.CreateDirectory(s.Out);
            string png = Path.Combine(s.Out, "accuracy.png");
            string report = Path.Combine(s.Out, "report.md");
            Output.Plot(png, results, initialAccuracy, synthetic, trainSet.Count);
            Output.Report(report, s, results, description, synthetic, trainSet.Count, testSet.Count, trainingData.StepsPerEpoch,
                parameterCount, initialAccuracy, torch.get_num_threads(), total.Elapsed.TotalSeconds);
            console.MarkupLineInterpolated($"Wrote [link]{report}[/] and [link]{png}[/] ({total.Elapsed.TotalSeconds:F0} s in all).");
            return 0;
        }

        private static string Describe(Contender c, string accuracies, int epochs) =>
            $"[bold]{Markup.Escape(c.Label.PadRight(26))}[/] {accuracies}";

        internal static string Percent(double v) => double.IsFinite(v) ? (100 * v).ToString("F2", Inv) + " %" : "diverged";

        internal static string Fmt(double v) => v.ToString("G4", Inv);

        private static (ImageSet Train, ImageSet Test, string Description, bool Synthetic) LoadData(Settings s, IAnsiConsole console)
        {
            string? directory = s.Data ?? (Directory.Exists(FashionMnist.DefaultDirectory) ? FashionMnist.DefaultDirectory : null);
            if (directory is not null)
            {
                try
                {
                    var trainSet = FashionMnist.Load(directory, "train", s.Train);
                    var testSet = FashionMnist.Load(directory, "t10k", s.Test);
                    if (trainSet.Count < s.Train)
                        console.MarkupLineInterpolated($"[yellow]note:[/] '{directory}' holds {trainSet.Count} training images; using all of them.");
                    return (trainSet, testSet, $"Fashion-MNIST from {directory}", false);
                }
                catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
                {
                    console.MarkupLineInterpolated($"[yellow]warning:[/] cannot use '{directory}' as Fashion-MNIST: {e.Message}");
                }
            }
            else console.MarkupLineInterpolated($"[yellow]warning:[/] no Fashion-MNIST at {FashionMnist.DefaultDirectory} (install the Debian package dataset-fashion-mnist or pass --data DIR).");
            console.MarkupLine("[yellow]Using a SYNTHETIC 10-class 28x28 image set instead: the accuracies are not Fashion-MNIST accuracies.[/]");
            return (SyntheticImages.Generate(s.Train, s.Seed), SyntheticImages.Generate(s.Test, s.Seed, stream: 1),
                $"SYNTHETIC 10-class 28x28 image set (seed {s.Seed}: blurred strokes, shifts, noise), because Fashion-MNIST was not available", true);
        }

        private static Tensor ToImages(ImageSet set, float mean, float std)
        {
            var pixels = new float[set.Images.Length];
            for (int i = 0; i < pixels.Length; i++) pixels[i] = (set.Images[i] - mean) / std;
            return torch.tensor(pixels, new long[] { set.Count, 1, 28, 28 });
        }

        private static Tensor ToLabels(ImageSet set) => torch.tensor(set.Labels.Select(l => (long)l).ToArray());
    }
}
