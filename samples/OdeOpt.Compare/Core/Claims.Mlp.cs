using System;
using System.Collections.Generic;
using System.Linq;
using OdeOpt.Compare.Problems;

namespace OdeOpt.Compare.Core;

public static partial class Claims
{
    /// <summary>The runs of Figs. 5-6 under one cost.</summary>
    /// <param name="Cost">The cost's name, for the evidence.</param>
    /// <param name="FullBatch">Per network ("784-30-10", "784-15-15-10"), the full-batch runs of every sigma.</param>
    /// <param name="MiniBatch">Per stochastic run, the mini-batch runs of every sigma (784-30-10).</param>
    /// <param name="StepsPerEpoch">Mini-batch steps per epoch.</param>
    public sealed record MlpStudy(string Cost, IReadOnlyList<(string Net, IReadOnlyList<RunResult> Runs)> FullBatch,
        IReadOnlyList<IReadOnlyList<RunResult>> MiniBatch, int StepsPerEpoch);

    /// <summary>Problem 6 (Nakerst et al. Section 4, Figs. 5-6). "Over the run" means the mean over the recorded points
    /// (every few steps, the same points for every sigma), which is how a reader compares curves that rise at different
    /// speeds; "test loss" is the cost on the test images.</summary>
    public static IReadOnlyList<Claim> Mlp(MlpStudy study)
    {
        const string paper = SigmaStarProblem.Paper;
        var claims = new List<Claim>();
        static double MeanLoss(RunResult r) => r.Diverged ? double.PositiveInfinity : r.Curve.Average(c => c.Loss);
        static double MeanAccuracy(RunResult r) => r.Diverged || r.Accuracy is not { Count: > 0 } a ? 0 : a.Average();
        static double FinalAccuracy(RunResult r) => r.Diverged || r.Accuracy is not { Count: > 0 } a ? 0 : a[^1];
        static RunResult? At(IEnumerable<RunResult> runs, double sigma) => runs.WithSigma(s => s == sigma).FirstOrDefault();
        static string P(double x) => (100 * x).ToString("F1", System.Globalization.CultureInfo.InvariantCulture) + "%";
        string Row(IEnumerable<RunResult> runs, Func<RunResult, double> f, Func<double, string> format) =>
            string.Join(", ", runs.WithSigma(_ => true).Select(r => $"sigma = {F(OptimizerTable.SigmaOf(r.Setup))} {format(f(r))}"));
        string G(double x) => x.ToString("G4", System.Globalization.CultureInfo.InvariantCulture);

        var full = study.FullBatch.Where(n => n.Runs.WithSigma(_ => true).Count() >= 5).ToArray();
        if (full.Length == 2)
        {
            // Fig. 5: sigma = 4 superior to 0, 0.9, 2 on both networks.
            bool ok = full.All(n => At(n.Runs, 4) is { } four && new[] { 0, 0.9, 2 }.All(s => At(n.Runs, s) is { } other
                && MeanLoss(four) < MeanLoss(other) && MeanAccuracy(four) > MeanAccuracy(other)));
            claims.Add(new Claim("nakerst-fig5-sigma4-superior", $"{paper}, Section 4",
                "In both networks, sigma = 4 provides superior training compared to smaller values of sigma.",
                "on both networks (full batch), the test loss averaged over the run is lower at sigma = 4 than at sigma = 0, 0.9 and 2, and the test accuracy averaged over the run is higher.",
                ok, string.Join("; ", full.Select(n => $"{n.Net}: mean test loss {Row(n.Runs, MeanLoss, G)}; mean test accuracy {Row(n.Runs, MeanAccuracy, P)}"))));

            // sigma = 20 functions well, and beats 4 on the two-layer network.
            var two = full.Single(n => n.Net == "784-15-15-10");
            bool works = full.All(n => At(n.Runs, 20) is { Diverged: false } t && At(n.Runs, 0) is { } h && FinalAccuracy(t) >= FinalAccuracy(h));
            bool beats = At(two.Runs, 20) is { } t20 && At(two.Runs, 4) is { } t4 && MeanLoss(t20) < MeanLoss(t4);
            claims.Add(new Claim("nakerst-fig5-sigma20-two-layer", $"{paper}, Section 4",
                "We have also tested sigma = 20. [...] However, in the MNIST classification tasks, super-acceleration sigma = 20 apears to function well, and even outperforms sigma = 4 in the two-layer case.",
                "on both networks the sigma = 20 run stays finite and ends with a test accuracy at least that of heavy ball (sigma = 0); on 784-15-15-10 its test loss averaged over the run is below that of sigma = 4.",
                works && beats, string.Join("; ", full.Select(n => $"{n.Net}: final test accuracy {Row(n.Runs, FinalAccuracy, P)}; mean test loss sigma = 4 {G(MeanLoss(At(n.Runs, 4)!))}, sigma = 20 {G(MeanLoss(At(n.Runs, 20)!))}"))));

            // The sigma >= 2 curves have merged by step 400.
            bool merged = full.All(n =>
            {
                var late = n.Runs.WithSigma(s => s >= 2).ToArray();
                return late.Length == 3 && late.All(r => !r.Diverged)
                    && late.Max(FinalAccuracy) - late.Min(FinalAccuracy) <= 0.01 && late.Max(r => r.FinalLoss) <= 1.05 * late.Min(r => r.FinalLoss);
            });
            claims.Add(new Claim("nakerst-fig5-merged", $"{paper}, Section 4",
                "late in the training process, the curves with momentum appear to merge together independent of sigma. In our data up to 400 steps, the curves for sigma >= 2 have already merged.",
                "at the last step, on both networks, the test accuracies of sigma = 2, 4 and 20 lie within 1 percentage point of each other and their test losses within 5%.",
                merged, string.Join("; ", full.Select(n => $"{n.Net} at step {n.Runs[0].Curve[^1].Step}: test accuracy {Row(n.Runs, FinalAccuracy, P)}; test loss {Row(n.Runs, r => r.FinalLoss, G)}"))));
        }

        var mini = study.MiniBatch.Where(runs => runs.WithSigma(_ => true).Count() >= 4).ToArray();
        if (mini.Length > 0)
        {
            double[] sigmas = [0, 0.9, 2, 4];
            double Mean(double sigma, Func<RunResult, double> f) => mini.Average(runs => At(runs, sigma) is { } r ? f(r) : double.NaN);
            var meanLoss = sigmas.Select(s => Mean(s, MeanLoss)).ToArray();
            bool faster = meanLoss.Zip(meanLoss.Skip(1), (a, b) => b < a).All(x => x);
            claims.Add(new Claim("nakerst-fig6-larger-sigma-faster", $"{paper}, Section 4",
                "The overall features are similar to the non-stochastic case of Figure 5: [a] Larger sigma allows rapid optimization; hence super-acceleration is beneficial.",
                $"averaged over the {mini.Length} stochastic runs, the test loss averaged over the run decreases strictly from sigma = 0 through 0.9 and 2 to 4.",
                faster, $"mean over the run and the {mini.Length} runs of the test loss: " + string.Join(", ", sigmas.Zip(meanLoss, (s, l) => $"sigma = {F(s)} {G(l)}"))
                    + $"; sigma = 20 {G(Mean(20, MeanLoss))}."));

            // [b]: the spread over sigma at the end is below half the spread after the first epoch.
            double AccuracyAt(RunResult r, long step)
            {
                if (r.Diverged || r.Accuracy is null) return 0;
                int i = r.Curve.FindLastIndex(c => c.Step <= step);
                return i < 0 || i >= r.Accuracy.Count ? 0 : r.Accuracy[i];
            }
            long last = mini.Min(runs => runs.Min(r => r.Curve[^1].Step));
            double Spread(long step)
            {
                var a = sigmas.Select(s => Mean(s, r => AccuracyAt(r, step))).ToArray();
                return a.Max() - a.Min();
            }
            double early = Spread(study.StepsPerEpoch), late = Spread(last);
            claims.Add(new Claim("nakerst-fig6-long-time-independent", $"{paper}, Section 4",
                "[b] In the long-time limit, the accuracy or loss tends to become independent of sigma.",
                $"the spread (largest minus smallest) over sigma = 0, 0.9, 2, 4 of the test accuracy, averaged over the {mini.Length} runs, is at the last step less than half of what it is after the first epoch.",
                last > study.StepsPerEpoch && late < 0.5 * early,
                $"spread after the first epoch (step {study.StepsPerEpoch}) {P(early)}, at step {last} {P(late)}; mean test accuracy at step {last}: "
                    + string.Join(", ", sigmas.Append(20).Select(s => $"sigma = {F(s)} {P(Mean(s, r => AccuracyAt(r, last)))}")) + "."));
        }
        return claims;
    }
}
