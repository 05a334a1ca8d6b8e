using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using OdeOpt.Compare.Core;
using OdeOpt.Compare.Report;

namespace OdeOpt.Compare.Problems;

/// <summary>Nakerst et al. Section 5.1 (Fig. 7): RMSProp with momentum and super-acceleration, eq. (16), on the parabola
/// L = k theta^2 / 2 with k = 1, which is eq. (17). The relaxation time T comes, as the paper says, from fitting a function
/// proportional to e^(-t/T) to |theta_i|; sigma* is the sigma with the smallest T, against eta (Fig. 7(b)).</summary>
public sealed class RmsPropSigmaStarProblem : IProblem
{
    /// <summary>The paper's text, for the quotes.</summary>
    public const string Paper = SigmaStarProblem.Paper;

    /// <summary>The fit window ends where |theta_i| last is at or above this fraction of |theta_0|.</summary>
    public const double WindowFraction = 1e-3;

    /// <summary>The most steps of one trajectory.</summary>
    public const int MaxSteps = 4000;

    /// <summary>The scanned range of sigma.</summary>
    public const double SigmaLo = 0, SigmaHi = 20;

    /// <summary>The initial theta of the claims, and the second one the verdicts are checked with (RMSProp is not scale
    /// invariant because of eps: at theta_0 = 0.01, (1 - beta2) q^2 = 1e-7 = eps at the first step).</summary>
    public const double Theta0 = 1, Theta0Check = 0.01;

    /// <inheritdoc/>
    public string Name => "rmsprop-sigma-star";

    /// <inheritdoc/>
    public string Description => "1-D parabola, eq. (17): RMSProp + momentum + super-acceleration, T by fitting e^(-t/T) to |theta_i|, sigma* vs eta (Fig. 7)";

    /// <inheritdoc/>
    public double Weight => 0.2;

    // ------------------------------------------------------------------ the iteration and the fit

    /// <summary>theta_0..theta_n of eq. (17) (k = 1) from theta_0, m_0 = 0, r_0 = 0, stepped by OdeOpt's optimizer with
    /// <paramref name="setup"/>'s g, beta2 and eps. The run stops once |theta_i| has stayed below
    /// <see cref="WindowFraction"/> |theta_0| for 200 steps, at <paramref name="maxSteps"/>, or when it blows up (then the
    /// last value is not finite or above 1e3 |theta_0|).</summary>
    public static double[] Trajectory(IOptimizer optimizer, OptimizerInfo info, OptimizerSetup setup, double eta, double sigma, double theta0, int maxSteps = MaxSteps)
    {
        optimizer.Reset();
        OptimizerFactory.Apply(optimizer, info, setup with
        {
            Hyperparameters = [.. setup.Hyperparameters.Where(h => h.Key != OptimizerTable.RmsRate && h.Key != OptimizerTable.RmsSigma),
                new(OptimizerTable.RmsRate, eta), new(OptimizerTable.RmsSigma, sigma)],
        });
        Span<float> p = [(float)theta0];
        Span<float> theta = [(float)theta0];
        var y = new List<double>(512) { theta0 };
        double small = WindowFraction * Math.Abs(theta0);
        int below = 0;
        for (int i = 1; i <= maxSteps; i++)
        {
            optimizer.Step(p, s_gradient);   // k = 1: grad L = theta at the look-ahead point
            optimizer.GetIterate(p, theta);
            y.Add(theta[0]);
            if (!double.IsFinite(theta[0]) || Math.Abs(theta[0]) > 1e3 * Math.Abs(theta0)) break;
            below = Math.Abs(theta[0]) < small ? below + 1 : 0;
            if (below >= 200) break;
        }
        return [.. y];
    }

    private static readonly GradientFunction s_gradient = static (p, g) => g[0] = p[0];

    /// <summary>The fit window of a trajectory: theta_0 up to the last theta_i with |theta_i| at or above
    /// <see cref="WindowFraction"/> |theta_0| (at least 30 values).</summary>
    public static double[] Window(double[] y, double fraction = WindowFraction)
    {
        double small = fraction * Math.Abs(y[0]);
        int last = Array.FindLastIndex(y, v => Math.Abs(v) >= small);
        return y[..Math.Min(y.Length, Math.Max(last + 1, 30))];
    }

    /// <summary>The least-squares fit of C e^(-i/T) to |y_i|, i = 0..n: C in closed form for each rate 1/T, the rate by a
    /// log-spaced scan over [1e-4, 10] and a golden-section search. Returns T and C.</summary>
    public static (double T, double C) FitExponential(IReadOnlyList<double> y)
    {
        (double Residual, double C) At(double rate)
        {
            double see = 0, sye = 0, syy = 0, e = 1, f = Math.Exp(-rate);
            for (int i = 0; i < y.Count; i++, e *= f)
            {
                double a = Math.Abs(y[i]);
                see += e * e; sye += a * e; syy += a * a;
            }
            double c = sye / see;
            return (syy - c * sye, c);
        }
        const int n = 100;
        double step = 5.0 / n;
        int best = 0;
        double bestValue = double.PositiveInfinity;
        for (int k = 0; k <= n; k++)
        {
            double v = At(Math.Pow(10, -4 + step * k)).Residual;
            if (v < bestValue) (bestValue, best) = (v, k);
        }
        double lo = -4 + step * Math.Max(0, best - 1), hi = -4 + step * Math.Min(n, best + 1);
        const double phi = 0.6180339887498949;
        double x1 = hi - phi * (hi - lo), x2 = lo + phi * (hi - lo), f1 = At(Math.Pow(10, x1)).Residual, f2 = At(Math.Pow(10, x2)).Residual;
        for (int it = 0; it < 40; it++)
        {
            if (f1 < f2) { hi = x2; x2 = x1; f2 = f1; x1 = hi - phi * (hi - lo); f1 = At(Math.Pow(10, x1)).Residual; }
            else { lo = x1; x1 = x2; f1 = f2; x2 = lo + phi * (hi - lo); f2 = At(Math.Pow(10, x2)).Residual; }
        }
        double r = Math.Pow(10, (lo + hi) / 2);
        return (1 / r, At(r).C);
    }

    /// <summary>The number of sign changes of theta_1..theta_n (theta_0 left out: from r_0 = 0 the first step has length
    /// close to eta / sqrt(1 - beta2) = 31.6 eta whatever sigma, so it overshoots for eta above about 0.03; that is the
    /// start-up of the average r, not the relaxation).</summary>
    public static int SignChanges(IReadOnlyList<double> y)
    {
        int n = 0;
        for (int i = 2; i < y.Count; i++) if (y[i] * y[i - 1] < 0) n++;
        return n;
    }

    /// <summary>One relaxation: T of the fit over the window, and the sign changes in it; T = +infinity when the
    /// trajectory blows up or does not reach the window's end within <see cref="MaxSteps"/>.</summary>
    public readonly record struct Relaxation(double T, double C, int SignChanges, int Window);

    /// <summary>The relaxation at (eta, sigma) from <paramref name="theta0"/>.</summary>
    public static Relaxation Relax(IOptimizer optimizer, OptimizerInfo info, OptimizerSetup setup, double eta, double sigma, double theta0) =>
        Relax(Trajectory(optimizer, info, setup, eta, sigma, theta0));

    /// <summary>The relaxation of a trajectory theta_0..theta_n.</summary>
    public static Relaxation Relax(double[] y)
    {
        double theta0 = Math.Abs(y[0]);
        if (!double.IsFinite(y[^1]) || Math.Abs(y[^1]) > 1e3 * theta0) return new(double.PositiveInfinity, double.NaN, SignChanges(y), y.Length);
        var w = Window(y);
        if (w.Length == y.Length && Math.Abs(y[^1]) >= WindowFraction * theta0) return new(double.PositiveInfinity, double.NaN, SignChanges(w), w.Length);
        var (T, C) = FitExponential(w);
        return new(T, C, SignChanges(w), w.Length);
    }

    /// <summary>Eq. (17) written out in double precision from theta_0, m_0 = 0 and a given r_0 (the library optimizer
    /// starts from r_0 = 0), with the stopping rules of <see cref="Trajectory"/>. Used only for the r_0 check in the notes.</summary>
    public static double[] Eq17(double eta, double sigma, double theta0, double r0, double g, double beta2, double eps, int maxSteps = MaxSteps)
    {
        double t = theta0, m = 0, r = r0, small = WindowFraction * Math.Abs(theta0);
        var y = new List<double>(512) { t };
        int below = 0;
        for (int i = 1; i <= maxSteps; i++)
        {
            double q = t + sigma * m;   // k = 1
            r = beta2 * r + (1 - beta2) * q * q;
            m = g * m - eta * q / Math.Sqrt(r + eps);
            t += m;
            y.Add(t);
            if (!double.IsFinite(t) || Math.Abs(t) > 1e3 * Math.Abs(theta0)) break;
            below = Math.Abs(t) < small ? below + 1 : 0;
            if (below >= 200) break;
        }
        return [.. y];
    }

    /// <summary>One point of Fig. 7(b).</summary>
    /// <param name="Eta">eta.</param>
    /// <param name="Fitted">The sigma with the smallest fitted T.</param>
    /// <param name="Defined">Whether that minimum lies inside [0, 20] (not within 2% of the range of either end).</param>
    /// <param name="TAtFitted">T there.</param>
    /// <param name="TNesterov">T at sigma = g.</param>
    /// <param name="THeavyBall">T at sigma = 0.</param>
    public sealed record Point(double Eta, double Fitted, bool Defined, double TAtFitted, double TNesterov, double THeavyBall);

    /// <summary>sigma minimising T at <paramref name="eta"/>: a scan of 41 values over [0, 20], then a golden-section search
    /// around the best.</summary>
    public static Point FitSigmaStar(IOptimizer optimizer, OptimizerInfo info, OptimizerSetup setup, double eta, double theta0) =>
        FitSigmaStar(s => Trajectory(optimizer, info, setup, eta, s, theta0), eta, setup.Get(OptimizerTable.RmsMomentum));

    /// <summary>sigma minimising T at <paramref name="eta"/> for trajectories made by <paramref name="trajectory"/> (of sigma).</summary>
    public static Point FitSigmaStar(Func<double, double[]> trajectory, double eta, double g)
    {
        double T(double s) => Relax(trajectory(s)).T;
        var (best, _, minimum) = Minimize.ScanThenGolden(T, SigmaLo, SigmaHi, 41, 25);
        double margin = 0.02 * (SigmaHi - SigmaLo);
        return new Point(eta, best, double.IsFinite(minimum) && best > SigmaLo + margin && best < SigmaHi - margin, T(best), T(g), T(0));
    }

    /// <summary><paramref name="n"/> equally spaced sigma over [0, 20].</summary>
    public static double[] Scan(int n) => Enumerable.Range(0, n).Select(i => SigmaLo + (SigmaHi - SigmaLo) * i / (n - 1)).ToArray();

    /// <summary>The eta grid: <paramref name="points"/> values log-spaced in [1e-4, 1].</summary>
    public static double[] EtaGrid(int points) => Enumerable.Range(0, points).Select(i => Math.Pow(10, -4 + 4.0 * i / (points - 1))).ToArray();

    /// <summary>The etas of the T(sigma) curves and the first claim.</summary>
    public static readonly double[] CurveEtas = [0.001, 0.01, 0.1];

    // ------------------------------------------------------------------ the run

    /// <inheritdoc/>
    public ProblemReport Run(RunContext context)
    {
        var setup = OptimizerTable.For(OptimizerTable.RmsPropSigmaStar)[0];
        if (context.Optimizers is not null && !context.Optimizers.Contains(setup.Name))
            context.Warn($"{Name}: fits sigma of {setup.Name} only; the --optimizer names do not apply here.");
        double g = setup.Get(OptimizerTable.RmsMomentum), beta2 = setup.Get(OptimizerTable.RmsBeta2), eps = setup.Get(OptimizerTable.RmsEpsilon);
        int points = context.Full ? 17 : 9;
        var grid = EtaGrid(points);
        const double figure7aEta = 0.01;

        var report = new ProblemReport
        {
            Name = Name,
            Title = "8. RMSProp with super-acceleration on a 1-D parabola (Nakerst et al., Section 5.1, Fig. 7)",
            Target = "relaxation time T of the fit C e^(-t/T) to |theta_i|",
            Setup = $"""
                Eq. (17): L(theta) = k theta^2 / 2 with k = 1 ("we restrict to k = 1"), RMSProp with momentum and super-acceleration, eq. (16),
                r_i = beta2 r_(i-1) + (1 - beta2) q^2, m_i = g m_(i-1) - eta q / sqrt(r_i + eps), theta_(i+1) = theta_i + m_i, q = k (theta_i + sigma m_(i-1)),
                with beta2 = {F(beta2)}, eps = {F(eps)} (Fig. 7's caption) and g = {F(g)}: Section 5 does not restate g; Section 1 says "the value g = 0.9 is
                so widely used that we will mostly focus on this value unless explicitly stated", and Figs. 3 and 8 use it. Stepped by OdeOpt's `{setup.Name}` (single precision).
                Start (not stated in the paper): theta_0 = {F(Theta0)}, m_0 = 0, r_0 = 0 (RMSProp's usual zero accumulator). From r_0 = 0 the first step is about
                31.6 eta long whatever sigma. The verdicts are checked from theta_0 = {F(Theta0Check)} as well, where (1 - beta2) q^2 = eps at the first step
                (eps breaks the scale invariance RMSProp would otherwise have).
                T, as Section 5.1 says: the least-squares fit of C e^(-t/T) to |theta_i| against i (t = i). Window (not stated in the paper): from i = 0 to the
                last i with |theta_i| >= {F(WindowFraction)} |theta_0| (at least 30 values; at most {MaxSteps} steps, else T counts as infinite). The notes give the
                verdicts with the window ending at 1e-2 |theta_0| and with a fit of ln|theta_i| by a straight line instead (the exponential as a line on the
                logarithmic axis of Fig. 7(a)), and with r_0 = theta_0^2 instead of 0 (r starting at its value for the first gradient, so without
                the start-up of the average; eq. (17) written out in double precision, since the library optimizer starts from r_0 = 0).
                sigma* is the sigma with the smallest T: a scan of 41 values over [{F(SigmaLo)}, {F(SigmaHi)}] (range not stated in the paper), then a golden-section
                search around the best; sigma* counts as defined when that minimum is not within 2% of the range of either end.
                {points} values of eta log-spaced in [1e-4, 1] (range not stated in the paper). T(sigma) curves at eta = 0.001, 0.01, 0.1; Fig. 7(a) at eta = {F(figure7aEta)}.
                {(context.Full ? "" : "Reduced suite: 9 values of eta instead of 17.")}
                """,
        };

        var optimizer = OptimizerFactory.Create(setup, 1);
        var info = OptimizerRegistry.GetInfo(setup.Name);
        var fitted = new List<Point>();
        var check = new List<Point>();
        foreach (var eta in grid)
        {
            fitted.Add(FitSigmaStar(optimizer, info, setup, eta, Theta0));
            check.Add(FitSigmaStar(optimizer, info, setup, eta, Theta0Check));
            context.Progress(0.7 / grid.Length);
        }

        // T against sigma at three etas (the first claim), with the sign changes.
        var scan = Scan(41);
        var curves = CurveEtas.Select(eta => (Eta: eta, Sigma: scan, Relax: scan.Select(s => Relax(optimizer, info, setup, eta, s, Theta0)).ToArray())).ToList();
        context.Progress(0.1);

        // Sensitivity of sigma* to the window's end and to the way of fitting (theta_0 = 1).
        var variants = new List<(string Name, List<Point> Points)>
        {
            ("window to 1e-2 |theta_0|", grid.Select(eta => VariantSigmaStar(optimizer, info, setup, eta, y => FitExponential(Window(y, 1e-2)).T)).ToList()),
            ("fit of ln|theta_i| by a line", grid.Select(eta => VariantSigmaStar(optimizer, info, setup, eta, y => LogLineT(Window(y)))).ToList()),
            ("r_0 = theta_0^2, eq. (17) in double precision", grid.Select(eta => FitSigmaStar(s => Eq17(eta, s, Theta0, Theta0 * Theta0, g, beta2, eps), eta, g)).ToList()),
        };
        context.Progress(0.15);

        // Fig. 7(a): |theta_i| and the fitted exponentials at eta = 0.01.
        var star = fitted.MinBy(p => Math.Abs(Math.Log(p.Eta / figure7aEta)))!;
        var shownSigmas = new[] { 0, g, Math.Round(star.Fitted, 2), 8 }.Distinct().ToArray();
        var series = new List<Series>();
        int maxX = 0;
        foreach (var s in shownSigmas)
        {
            var w = Window(Trajectory(optimizer, info, setup, figure7aEta, s, Theta0));
            var (T, C) = FitExponential(w);
            var x = Enumerable.Range(0, w.Length).Select(i => (double)i).ToArray();
            series.Add(new Series($"sigma = {F(s)}: |theta_i|", x, w.Select(Math.Abs).ToArray()));
            series.Add(new Series($"sigma = {F(s)}: fit {C:F2} e^(-i/{T:F2})", x, x.Select(i => C * Math.Exp(-i / T)).ToArray()));
            maxX = Math.Max(maxX, w.Length);
        }
        string dir = context.OutputDirectory;
        Plots.LogLoss(Path.Combine(dir, "rmsprop-sigma-star-theta.png"), $"Eq. (17), eta = {F(figure7aEta)}: |theta_i| and fitted exponentials", "i", "|theta_i| (log scale)", series, 1e-6, maxX);
        report.Plots.Add(("rmsprop-sigma-star-theta.png", $"Fig. 7(a). Paper: \"(a) |theta^(i)| vs i, fitted to exponentials, in order to extract 'timescale' T.\" Here: |theta_i| over the fit window and the fit C e^(-i/T) at eta = {F(figure7aEta)}, sigma = {string.Join(", ", shownSigmas.Select(F))} (sigma* = {star.Fitted:F2})."));
        Plots.Lines(Path.Combine(dir, "rmsprop-sigma-star.png"), $"RMSProp with momentum on k theta^2/2 (k = 1, g = {F(g)}): optimal sigma*", "eta (log scale)", "sigma*",
            [new Series($"sigma = g = {F(g)}", [grid[0], grid[^1]], [g, g])],
            [
                new Series($"sigma* (theta_0 = {F(Theta0)})", fitted.Where(p => p.Defined).Select(p => p.Eta).ToArray(), fitted.Where(p => p.Defined).Select(p => p.Fitted).ToArray()),
                new Series($"sigma* (theta_0 = {F(Theta0Check)})", check.Where(p => p.Defined).Select(p => p.Eta).ToArray(), check.Where(p => p.Defined).Select(p => p.Fitted).ToArray()),
                new Series($"sigma* (check: r_0 = theta_0^2 = 1)", variants[^1].Points.Where(p => p.Defined).Select(p => p.Eta).ToArray(), variants[^1].Points.Where(p => p.Defined).Select(p => p.Fitted).ToArray()),
            ], logX: true);
        report.Plots.Add(("rmsprop-sigma-star.png", "Fig. 7(b). Paper: \"(b) Optimal super-acceleration as a function of learning rate.\" Here: the fitted sigma* against eta (log axis), where defined, from theta_0 = 1 (the claims) and 0.01 (the check), both from r_0 = 0, and from theta_0 = 1 with r_0 = 1 (the start-up check), beside sigma = g."));
        Plots.Lines(Path.Combine(dir, "rmsprop-sigma-star-T.png"), "Eq. (17): fitted T against sigma", "sigma", "T (steps)",
            curves.Select(c => new Series($"eta = {F(c.Eta)}", c.Sigma, c.Relax.Select(r => double.IsFinite(r.T) ? Math.Min(r.T, 60) : 60).ToArray())), [], logX: false);
        report.Plots.Add(("rmsprop-sigma-star-T.png", "T against sigma at eta = 0.001, 0.01, 0.1 (clipped at 60): the curves behind sigma* (the paper shows no such panel for Section 5; Section 5.1 describes it)."));

        var table = new StringBuilder();
        table.AppendLine($"| eta | sigma* (theta_0 = {F(Theta0)}) | defined | T at sigma* | T at sigma = g | T at sigma = 0 | sigma* (theta_0 = {F(Theta0Check)}) | T at sigma* | T at sigma = g | " + string.Join(" | ", variants.Select(v => $"sigma* ({v.Name})")) + " |");
        table.AppendLine("|---|---|---|---|---|---|---|---|---|" + string.Concat(variants.Select(_ => "---|")));
        for (int i = 0; i < grid.Length; i++)
        {
            var p = fitted[i];
            var c = check[i];
            table.AppendLine($"| {F(p.Eta)} | {p.Fitted:F3} | {(p.Defined ? "yes" : "no")} | {p.TAtFitted:F2} | {p.TNesterov:F2} | {p.THeavyBall:F2} | {c.Fitted:F3}{(c.Defined ? "" : " (not defined)")} | {c.TAtFitted:F2} | {c.TNesterov:F2} | "
                + string.Join(" | ", variants.Select(v => $"{v.Points[i].Fitted:F3}{(v.Points[i].Defined ? "" : " (not defined)")}")) + " |");
        }
        table.AppendLine();
        table.AppendLine("T(sigma) at the three etas of the first claim (sigma: T, sign changes of theta_1..theta_n in the window):");
        table.AppendLine();
        foreach (var c in curves)
            table.AppendLine($"- eta = {F(c.Eta)}: " + string.Join("; ", c.Sigma.Select((s, i) => (s, r: c.Relax[i])).Where((_, i) => i % 4 == 0).Select(x => $"{F(x.s)}: {x.r.T:F2}, {x.r.SignChanges}")));
        table.AppendLine();
        table.AppendLine("The Fig. 7(b) claim's rule on the checks: " + string.Join("; ",
            new[] { ($"theta_0 = {F(Theta0Check)}", check) }.Concat(variants.Select(v => (v.Name, v.Points)))
                .Select(v => $"{v.Item1}: {Claims.RmsPropAboveG(v.Item2, g).Describe}")) + ".");
        report.Notes.Add(table.ToString());
        Claims.RmsPropSigmaStar(report, fitted, check, curves.Select(c => (c.Eta, c.Sigma, c.Relax)).ToList(), g);
        LastFit = fitted;
        LastCheck = check;
        LastCurves = curves.Select(c => (c.Eta, c.Sigma, c.Relax)).ToList();
        return report;
    }

    /// <summary>sigma* at <paramref name="eta"/> from theta_0 = 1 with another way to get T from a trajectory (the notes' checks).</summary>
    private static Point VariantSigmaStar(IOptimizer optimizer, OptimizerInfo info, OptimizerSetup setup, double eta, Func<double[], double> fit)
    {
        double g = setup.Get(OptimizerTable.RmsMomentum);
        double T(double s)
        {
            var y = Trajectory(optimizer, info, setup, eta, s, Theta0);
            if (!double.IsFinite(y[^1]) || Math.Abs(y[^1]) > 1e3 || Math.Abs(y[^1]) >= WindowFraction) return double.PositiveInfinity;
            return fit(y);
        }
        var grid = Scan(81);
        var values = grid.Select(T).ToArray();
        int k = Array.IndexOf(values, values.Min());
        double margin = 0.02 * (SigmaHi - SigmaLo);
        return new Point(eta, grid[k], double.IsFinite(values[k]) && grid[k] > SigmaLo + margin && grid[k] < SigmaHi - margin, values[k], T(g), T(0));
    }

    /// <summary>T of the least-squares line through ln|y_i| (i = 0..n); +infinity when it does not fall.</summary>
    public static double LogLineT(IReadOnlyList<double> y)
    {
        double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (int i = 0; i < y.Count; i++)
        {
            if (y[i] == 0) continue;
            double l = Math.Log(Math.Abs(y[i]));
            n++; sx += i; sy += l; sxx += (double)i * i; sxy += i * l;
        }
        double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
        return slope < 0 ? -1 / slope : double.PositiveInfinity;
    }

    /// <summary>The points fitted by the last run from theta_0 = 1 (for tests).</summary>
    public IReadOnlyList<Point> LastFit { get; private set; } = [];

    /// <summary>The points fitted by the last run from theta_0 = 0.01 (for tests).</summary>
    public IReadOnlyList<Point> LastCheck { get; private set; } = [];

    /// <summary>The T(sigma) curves of the last run (for tests).</summary>
    public IReadOnlyList<(double Eta, double[] Sigma, Relaxation[] Relax)> LastCurves { get; private set; } = [];

    private static string F(double x) => x.ToString("G4", CultureInfo.InvariantCulture);
}
