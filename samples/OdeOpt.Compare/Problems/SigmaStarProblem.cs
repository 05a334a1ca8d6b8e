using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using OdeOpt.Compare.Core;
using OdeOpt.Compare.Report;

namespace OdeOpt.Compare.Problems;

/// <summary>Problem 1: the optimal look-ahead sigma* of momentum with super-acceleration on L = k theta^2 / 2
/// (Nakerst et al. Fig. 1b), fitted from runs and set beside the three formulas.</summary>
public sealed class SigmaStarProblem : IProblem
{
    /// <summary>The tolerance |theta| must stay below, from theta_0 = 1, for the finite-tolerance fit.</summary>
    public const double Tolerance = 1e-6;

    /// <summary>The tolerance of the asymptotic fit: deep enough that the rate, not the transient, decides.</summary>
    public const double DeepTolerance = 1e-20;

    /// <inheritdoc/>
    public string Name => "sigma-star";

    /// <inheritdoc/>
    public string Description => "1-D quadratic: fitted optimal sigma* vs k*eta beside Nakerst et al. eqs. (12)-(14) (Fig. 1b)";

    /// <inheritdoc/>
    public double Weight => 0.5;

    /// <summary>Discrete critical damping (double root of the characteristic polynomial): the exact optimum.</summary>
    public static double SigmaExact(double a, double g) => -1 + 2 / Math.Sqrt(a) - (1 - g) / a;

    /// <summary>The continuum estimate (damped oscillator with mass (1+G)/2).</summary>
    public static double SigmaContinuum(double a, double g) => -1 + Math.Sqrt(1 + 4 / a) - (1 - g) / a;

    /// <summary>The cruder continuum estimate (unit mass).</summary>
    public static double SigmaUnitMass(double a, double g) => 2 / Math.Sqrt(a) - (1 - g) / a;

    /// <summary>The spectral radius of the iteration on k theta^2/2 with a = k eta.</summary>
    public static double SpectralRadius(double a, double g, double sigma)
    {
        double G = g - a * sigma, p = 1 + G - a, disc = p * p - 4 * G;
        if (disc >= 0) return Math.Max(Math.Abs((p + Math.Sqrt(disc)) / 2), Math.Abs((p - Math.Sqrt(disc)) / 2));
        return Math.Sqrt(Math.Max(G, 0));
    }

    /// <summary>One fitted point.</summary>
    /// <param name="KEta">k eta.</param>
    /// <param name="Fitted">sigma with the fewest steps to |theta| below <see cref="DeepTolerance"/>.</param>
    /// <param name="FittedSteps">Those steps.</param>
    /// <param name="FittedShallow">sigma with the fewest steps to |theta| below <see cref="Tolerance"/>.</param>
    /// <param name="ShallowSteps">Those steps.</param>
    /// <param name="StepsHeavyBall">Steps to <see cref="Tolerance"/> at sigma = 0.</param>
    /// <param name="StepsNesterov">Steps to <see cref="Tolerance"/> at sigma = g.</param>
    public sealed record Point(double KEta, double Fitted, int FittedSteps, double FittedShallow, int ShallowSteps, int StepsHeavyBall, int StepsNesterov);

    /// <inheritdoc/>
    public ProblemReport Run(RunContext context)
    {
        var setup = context.Select(OptimizerTable.SigmaStar, 0).FirstOrDefault(s => s.Name == OptimizerTable.SuperMomentum)
            ?? OptimizerTable.For(OptimizerTable.SigmaStar)[0];
        if (context.Optimizers is not null && !context.Optimizers.Contains(setup.Name))
            context.Warn($"{Name}: fits sigma of {setup.Name} only; the --optimizer names do not apply here.");
        double g = setup.Get(OptimizerTable.MomentumCoefficient);
        int points = context.Full ? 40 : 24;
        int maxSteps = context.StepsOr(context.Full ? 200_000 : 50_000);
        double spacing = context.Full ? 0.01 : 0.02;
        var grid = Enumerable.Range(0, points).Select(i => Math.Pow(10, Math.Log10(0.005) + (Math.Log10(1.0) - Math.Log10(0.005)) * i / (points - 1))).ToArray();

        var report = new ProblemReport
        {
            Name = Name,
            Title = "1. The optimal look-ahead on a 1-D quadratic (Nakerst et al., Fig. 1b)",
            Target = $"L = k theta^2 / 2 <= {Half(Tolerance * Tolerance):G3} (|theta| <= {Tolerance:G1})",
            Setup = $"""
                L(theta) = k theta^2 / 2 with k = 1, theta_0 = 1, m_0 = 0; the momentum rule
                m_i = g m_(i-1) - eta grad L(theta_i + sigma m_(i-1)), theta_(i+1) = theta_i + m_i with g = {F(g)} (optimizer `{setup.Name}`).
                For each of {points} values of k*eta log-spaced in [0.005, 1], sigma is scanned over the stable range (|G| < 1,
                sigma < (1+g)/(k eta) - 1/2, capped to [-3, 20]) on a uniform grid of spacing {F(spacing)}. The fitted sigma* minimises the
                number of steps after which |theta| stays below {DeepTolerance:G1} (the middle of the best plateau; at most {maxSteps} steps):
                so deep a tolerance that the asymptotic rate decides, not the transient (at a double root theta_i ~ i lambda^i, which
                favours a slightly smaller sigma at a shallow tolerance). The fit to {Tolerance:G1} is shown too. Floats carry theta down to
                1e-20 without loss (the iteration is linear and homogeneous). Beside the fits, the three formulas (numbered (12)-(14) in the paper; which number is which
                could not be confirmed, and all three are reconstructed in the notes, section 1.2-1.3):
                - discrete critical damping (double root of lambda^2 - (1 + G - a) lambda + G, G = g - a sigma, a = k eta): sigma = -1 + 2/sqrt(k eta) - (1 - g)/(k eta);
                - continuum estimate (damped oscillator of mass (1+G)/2): sigma = -1 + sqrt(1 + 4/(k eta)) - (1 - g)/(k eta);
                - unit-mass continuum: sigma = 2/sqrt(k eta) - (1 - g)/(k eta).
                The result table runs k eta = 0.01 (eta = 0.01) for 300 steps with sigma = 0 (heavy ball), g (Nesterov) and the fitted sigma*.
                {(context.Full ? "" : "Reduced suite: 24 grid points and sigma spacing 0.02 instead of 40 and 0.01; at most 50,000 steps per run instead of 200,000.")}
                """,
        };

        var optimizer = OptimizerFactory.Create(setup, 1);
        var info = OptimizerRegistry.GetInfo(setup.Name);
        var fitted = new List<Point>();
        double share = 0.9 / grid.Length;
        foreach (var a in grid)
        {
            double lo = Math.Max((g - 1) / a + 1e-6, -3), hi = Math.Min((1 + g) / a - 0.5 - 1e-6, 20);
            var deep = Scan(s => StepsToTolerance(optimizer, info, setup, a, s, DeepTolerance, maxSteps), lo, hi, spacing);
            var shallow = Scan(s => StepsToTolerance(optimizer, info, setup, a, s, Tolerance, maxSteps), lo, hi, spacing);
            fitted.Add(new Point(a, deep.Best, deep.Steps, shallow.Best, shallow.Steps,
                StepsToTolerance(optimizer, info, setup, a, 0, Tolerance, maxSteps), StepsToTolerance(optimizer, info, setup, a, g, Tolerance, maxSteps)));
            context.Progress(share);
        }

        // Result table at k eta = 0.01.
        double sigmaAt001 = Interpolate(fitted, 0.01);
        var objective = new FunctionObjective([1f], x => Half(x[0] * x[0]), (x, gr) => gr[0] = x[0]);
        var setups = new[] { 0.0, g, Math.Round(sigmaAt001, 2) }.Select(s =>
            OptimizerTable.Momentum(s == 0 ? "heavy ball (sigma = 0)" : s == g ? $"Nesterov (sigma = {F(g)})" : $"super (fitted sigma* = {F(s)})", 0.01, g, s)).ToList();
        var runs = Runs.Group(context, report, "k = 1, eta = 0.01 (k eta = 0.01), 300 steps", setups, objective, Budget.OfSteps(context.StepsOr(300)),
            Half(Tolerance * Tolerance), 0.1);

        // Plots.
        var x = fitted.Select(p => p.KEta).ToArray();
        var dense = Enumerable.Range(0, 200).Select(i => Math.Pow(10, Math.Log10(0.005) + 2.30103 * i / 199)).ToArray();
        Plots.Lines(Path.Combine(context.OutputDirectory, "sigma-star.png"), "Optimal look-ahead sigma* on L = k theta^2/2 (g = 0.9)",
            "k * eta (log scale)", "sigma*",
            [
                new Series("discrete critical damping: -1 + 2/sqrt(k eta) - (1-g)/(k eta)", dense, dense.Select(a => SigmaExact(a, g)).ToArray()),
                new Series("continuum: -1 + sqrt(1 + 4/(k eta)) - (1-g)/(k eta)", dense, dense.Select(a => SigmaContinuum(a, g)).ToArray()),
                new Series("unit-mass continuum: 2/sqrt(k eta) - (1-g)/(k eta)", dense, dense.Select(a => SigmaUnitMass(a, g)).ToArray()),
            ],
            [
                new Series($"fitted: fewest steps to |theta| < {DeepTolerance:G1}", x, fitted.Select(p => p.Fitted).ToArray()),
                new Series($"fitted: fewest steps to |theta| < {Tolerance:G1}", x, fitted.Select(p => p.FittedShallow).ToArray()),
            ], logX: true);
        report.Plots.Add(("sigma-star.png", "Fitted sigma* versus k*eta, with the three formulas."));
        Plots.LogLoss(Path.Combine(context.OutputDirectory, "sigma-star-loss.png"), "L = theta^2/2, eta = 0.01, g = 0.9", "step", "loss (log scale)",
            runs.Select(r => new Series(r.Setup.Label, r.Curve.Select(c => (double)c.Step).ToArray(), r.Curve.Select(c => c.Loss).ToArray())));
        report.Plots.Add(("sigma-star-loss.png", "Loss versus step at k eta = 0.01."));

        // Table of the fit.
        var table = new StringBuilder();
        table.AppendLine($"| k eta | fitted sigma* ({DeepTolerance:G1}) | fitted sigma* ({Tolerance:G1}) | discrete critical damping | continuum | unit-mass continuum | steps to {Tolerance:G1} at its sigma* | heavy ball | Nesterov | spectral radius at fitted / at critical damping |");
        table.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var p in fitted)
        {
            double e = SigmaExact(p.KEta, g);
            table.AppendLine($"| {F(p.KEta)} | {p.Fitted:F3} | {p.FittedShallow:F3} | {e:F3} | {SigmaContinuum(p.KEta, g):F3} | {SigmaUnitMass(p.KEta, g):F3} | {p.ShallowSteps} | {StepsText(p.StepsHeavyBall, maxSteps)} | {StepsText(p.StepsNesterov, maxSteps)} | {SpectralRadius(p.KEta, g, p.Fitted):F4} / {SpectralRadius(p.KEta, g, e):F4} |");
        }
        report.Notes.Add(table.ToString());
        Claims.SigmaStar(report, fitted, g);
        LastFit = fitted;
        return report;
    }

    /// <summary>The points fitted by the last run (for tests).</summary>
    public IReadOnlyList<Point> LastFit { get; private set; } = [];

    /// <summary>Steps until |theta| stays below <paramref name="tolerance"/>, or int.MaxValue.</summary>
    public static int StepsToTolerance(IOptimizer optimizer, OptimizerInfo info, OptimizerSetup setup, double kEta, double sigma, double tolerance, int maxSteps)
    {
        optimizer.Reset();
        OptimizerFactory.Apply(optimizer, info, setup with
        {
            Hyperparameters = [new(OptimizerTable.MomentumRate, kEta), new(OptimizerTable.MomentumCoefficient, setup.Get(OptimizerTable.MomentumCoefficient)), new(OptimizerTable.MomentumSigma, sigma)],
        });
        Span<float> p = [1f];
        Span<float> theta = [1f];
        float previous = 1f;
        int lastAbove = 0;
        for (int i = 1; i <= maxSteps; i++)
        {
            optimizer.Step(p, s_gradient);   // k = 1: grad L = theta at the buffer's (look-ahead) point
            optimizer.GetIterate(p, theta);
            float t = theta[0];
            if (!float.IsFinite(t)) return int.MaxValue;
            if (Math.Abs(t) > tolerance) lastAbove = i;
            else if (Math.Abs(t) < tolerance * 1e-3 && Math.Abs(t - previous) < tolerance * 1e-3) return lastAbove + 1;
            previous = t;
        }
        return int.MaxValue;
    }

    private static readonly GradientFunction s_gradient = static (p, g) => g[0] = p[0];

    private static (double Best, int Steps) Scan(Func<double, int> steps, double lo, double hi, double spacing)
    {
        int count = Math.Max(2, (int)Math.Ceiling((hi - lo) / spacing) + 1);
        var sigmas = Enumerable.Range(0, count).Select(i => lo + (hi - lo) * i / (count - 1)).ToArray();
        var values = sigmas.Select(steps).ToArray();
        int min = values.Min();
        int first = Array.IndexOf(values, min), last = first;
        while (last + 1 < values.Length && values[last + 1] == min) last++;
        return ((sigmas[first] + sigmas[last]) / 2, min);
    }

    private static double Interpolate(List<Point> points, double a)
    {
        for (int i = 0; i + 1 < points.Count; i++)
        {
            if (points[i].KEta <= a && a <= points[i + 1].KEta)
            {
                double t = (Math.Log(a) - Math.Log(points[i].KEta)) / (Math.Log(points[i + 1].KEta) - Math.Log(points[i].KEta));
                return points[i].Fitted + t * (points[i + 1].Fitted - points[i].Fitted);
            }
        }
        return points.Count > 0 ? points[0].Fitted : 0;
    }

    private static double Half(double x) => x / 2;

    private static string StepsText(int steps, int max) => steps == int.MaxValue ? $"> {max}" : steps.ToString(CultureInfo.InvariantCulture);

    private static string F(double x) => x.ToString("G4", CultureInfo.InvariantCulture);
}
