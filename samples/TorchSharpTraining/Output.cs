using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using ScottPlot;

namespace TorchSharpTraining;

/// <summary>The PNG plot and report.md.</summary>
public static class Output
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Test accuracy (%) against epoch for every run (all from the same initial weights, whose accuracy the
    /// axis label gives); a run stops at its first non-finite accuracy.</summary>
    public static void Plot(string path, IReadOnlyList<RunResult> results, double initialAccuracy, bool synthetic, int trainCount)
    {
        var plt = new Plot();
        double lo = 100, hi = 0;
        int epochs = results[0].Accuracy.Length;
        foreach (var r in results)
        {
            var xs = new List<double>();
            var ys = new List<double>();
            for (int e = 0; e < r.Accuracy.Length && double.IsFinite(r.Accuracy[e]); e++)
            {
                xs.Add(e + 1);
                ys.Add(100 * r.Accuracy[e]);
                lo = Math.Min(lo, 100 * r.Accuracy[e]);
                hi = Math.Max(hi, 100 * r.Accuracy[e]);
            }
            var line = plt.Add.Scatter(xs.ToArray(), ys.ToArray());
            line.LegendText = r.Contender.Label + $" ({r.Contender.Settings}): {App.Percent(r.Accuracy[^1])}";
            line.LineWidth = 2;
            line.MarkerSize = 8;
        }
        string data = synthetic ? "SYNTHETIC images (Fashion-MNIST not available)" : "Fashion-MNIST";
        plt.Title($"TorchSharp CNN on {data}: test accuracy, {trainCount} training images, same initial weights and batches", 15);
        plt.XLabel($"epoch (test accuracy at the initial weights: {App.Percent(initialAccuracy)})", 14);
        plt.YLabel("test accuracy (%)", 14);
        plt.Legend.FontSize = 13;
        plt.ShowLegend(Alignment.LowerRight);
        plt.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(1);
        if (lo > hi) (lo, hi) = (0, 100); // every run diverged in its first epoch
        double pad = Math.Max(0.5, 0.1 * (hi - lo));
        // Room below the lowest point for the legend.
        plt.Axes.SetLimits(0.75, epochs + 0.25, Math.Max(0, lo - pad - 0.6 * (hi - lo + 1)), Math.Min(100, hi + pad));
        plt.SavePng(path, 1200, 650);
    }

    /// <summary>report.md: the settings, the table and the plot.</summary>
    public static void Report(string path, Settings s, IReadOnlyList<RunResult> results, string description, bool synthetic,
        int trainCount, int testCount, int stepsPerEpoch, long parameterCount, double initialAccuracy, int threads, double seconds)
    {
        var md = new StringBuilder();
        md.AppendLine("# TorchSharp training: a CNN on " + (synthetic ? "SYNTHETIC images" : "Fashion-MNIST"));
        md.AppendLine();
        if (synthetic)
        {
            md.AppendLine("> **Synthetic data.** Fashion-MNIST was not available, so these accuracies are on a synthetic 10-class 28x28");
            md.AppendLine("> image set and say nothing about Fashion-MNIST.");
            md.AppendLine();
        }
        md.AppendLine(Inv, $"- Data: {description}; {trainCount} training images, {testCount} test images, pixels standardised with the training mean and deviation.");
        md.AppendLine(Inv, $"- Model: conv 1->16 5x5, relu, maxpool 2, conv 16->32 5x5, relu, maxpool 2, linear 512->128, relu, linear 128->10 ({parameterCount} parameters), cross-entropy loss, TorchSharp autograd on the CPU (libtorch threads: {threads}).");
        md.AppendLine(Inv, $"- Every optimizer starts from the same initial weights (seed {s.Seed}; test accuracy {App.Percent(initialAccuracy)}) and sees the same batches in the same order: {s.Epochs} epochs of {stepsPerEpoch} steps, batch {s.Batch}.");
        md.AppendLine("- Test accuracy is measured after each epoch on theta itself (`OdeOptimizer.UseIterate()`, which matters for the look-ahead scheme super-accelerated-momentum).");
        md.AppendLine("- Optimizer ms / step: `Stopwatch` around `opt.step()` alone, mean over every step but the first (which allocates the optimizer state).");
        md.AppendLine();
        md.Append("| Optimizer | Hyperparameters |");
        for (int e = 1; e <= s.Epochs; e++) md.Append(Inv, $" Epoch {e} |");
        md.AppendLine(" Train loss (last epoch) | Optimizer ms / step | Run s |");
        md.Append("|---|---|");
        for (int e = 1; e <= s.Epochs; e++) md.Append("---:|");
        md.AppendLine("---:|---:|---:|");
        foreach (var r in results)
        {
            md.Append(Inv, $"| {r.Contender.Label} | {r.Contender.Settings} |");
            foreach (var a in r.Accuracy) md.Append(Inv, $" {App.Percent(a)} |");
            md.AppendLine(Inv, $" {r.TrainLoss[^1]:F4} | {r.StepMilliseconds:F3} | {r.Seconds:F1} |");
        }
        md.AppendLine();
        md.AppendLine("![Test accuracy per epoch](accuracy.png)");
        md.AppendLine();
        var args = new List<string>
        {
            $"--epochs {s.Epochs}", $"--train {s.Train}", $"--test {s.Test}", $"--batch {s.Batch}", $"--seed {s.Seed}", $"--lr {App.Fmt(s.LearningRate)}",
            $"--sam-eta {App.Fmt(s.SamEta)}", $"--sam-momentum {App.Fmt(s.SamMomentum)}", $"--sam-sigma {App.Fmt(s.SamSigma)}",
        };
        if (s.Threads is int t) args.Add($"--threads {t}");
        if (s.Optimizers.Length > 0) args.Add("--optimizer " + string.Join(',', s.Optimizers));
        md.AppendLine(Inv, $"Command: `dotnet run -c Release --project samples/TorchSharpTraining -- {string.Join(' ', args)}` ({seconds:F0} s in all).");
        File.WriteAllText(path, md.ToString());
    }
}
