using System;
using System.Collections.Generic;
using System.Linq;
using OdeOpt.Compare.Problems;

namespace OdeOpt.Compare.Core;

/// <summary>Problem 4: Belotto da Silva &amp; Gazeau (poster, 002_da1d247a7cf83f3e.txt), Figs. 2 and 3. The poster gives no
/// step size, betas or step count for either figure; the grids are the project's (OptimizerTable, BelottoQuarticProblem),
/// and every rule below was written before the first run.</summary>
public static partial class Claims
{
    /// <summary>The poster's file.</summary>
    public const string BelottoPaper = "002_da1d247a7cf83f3e.txt";

    /// <summary>The Fig. 2 caption, verbatim (ASCII).</summary>
    public const string BelottoFig2Caption = "Comparison between gradient descent and ADAM for f(x, y) = (x + y)^4 + (x/2 - y/2)^4. Gradient Descent outperforms ADAM in this example because beta1, beta2 are large and ADAM keeps memory of the past large gradients. Both trajectories start from the point (0.5, -2.5).";

    /// <summary>The Fig. 3 caption, verbatim (ASCII).</summary>
    public const string BelottoFig3Caption = "Fixing beta2 and changing the learning rate s lead to different dynamics. right) Trajectories of ADAM when only the learning rate is changed and beta1, beta2 are fixed. left) Comparison of the error between different trajectories.";

    /// <summary>One grid point of Fig. 2: f after <paramref name="N"/> steps at step size <paramref name="S"/>.</summary>
    public readonly record struct BelottoPoint(double S, int N, double Gd, double Adam, double Small);

    /// <summary>Fig. 2: GD against eq. (4) at the standard betas, and at small betas, at every (s, N) of the grid.</summary>
    public static void BelottoFig2(ProblemReport report, IReadOnlyList<BelottoPoint> grid)
    {
        if (grid.Count == 0) return;
        string Points(Func<BelottoPoint, string> cell) => string.Join("; ", grid.Select(p => $"s = {F(p.S)}, N = {p.N}: {cell(p)}"));

        // Rule (fixed before the run): "outperforms" read as a reader of Fig. 2 reads it, a lower f after the same number of
        // steps at the same s; reproduced only when that holds at every point of the grid.
        int wins = grid.Count(p => p.Gd < p.Adam);
        report.Claims.Add(new Claim("belotto-fig2-gd-beats-adam",
            $"{BelottoPaper}, Fig. 2 caption",
            "Gradient Descent outperforms ADAM in this example [...] Both trajectories start from the point (0.5, -2.5).",
            "from (0.5, -2.5), at every s in the grid and every step count N in the grid, f after N steps of gradient descent (step s) is below f after N steps of Adam eq. (4) (step s, beta1 = 0.9, beta2 = 0.999, eps = 1e-8).",
            wins == grid.Count,
            $"GD lower at {wins} of {grid.Count} grid points. f after N steps, GD vs Adam: " + Points(p => $"{p.Gd:G3} vs {p.Adam:G3}") + "."));

        // Rule (fixed before the run): the caption's cause. With small betas (0.5, 0.5; 3 + beta2 > 4 beta1 still holds) Adam
        // keeps little memory, so its disadvantage must shrink: f below that of standard-beta Adam at every grid point.
        int shrinks = grid.Count(p => p.Small < p.Adam);
        int vanishes = grid.Count(p => p.Small <= p.Gd);
        report.Claims.Add(new Claim("belotto-fig2-large-betas-cause",
            $"{BelottoPaper}, Fig. 2 caption",
            "Gradient Descent outperforms ADAM in this example because beta1, beta2 are large and ADAM keeps memory of the past large gradients.",
            "at every (s, N) of the grid, f after N steps of Adam eq. (4) with beta1 = beta2 = 0.5 is below f of Adam eq. (4) with beta1 = 0.9, beta2 = 0.999 (the disadvantage shrinks); the evidence also counts the points where it reaches or beats GD (vanishes).",
            shrinks == grid.Count,
            $"small-beta Adam below standard Adam at {shrinks} of {grid.Count} points, at or below GD at {vanishes}. f after N steps, small-beta Adam vs standard Adam vs GD: "
            + Points(p => $"{p.Small:G3} vs {p.Adam:G3} vs {p.Gd:G3}") + "."));
    }

    /// <summary>One step size of Fig. 3: the largest distance, over t = k s in [0, T], between the run at step s and the
    /// reference run (the smallest s), for Adam and for GD, and the Hausdorff distance between the paths as curves.</summary>
    public readonly record struct BelottoFig3Point(double S, double AdamError, double GdError, double AdamPathGap, double GdPathGap);

    /// <summary>Fig. 3: eq. (4) at fixed betas and several s, against GD at the same s (control).</summary>
    public static void BelottoFig3(ProblemReport report, double reference, double horizon, IReadOnlyList<BelottoFig3Point> points)
    {
        if (points.Count < 2) return;
        // Rule (fixed before the run): at equal ODE time t = k s (lambda = s), Adam's trajectory at each coarser s is at least
        // 0.1 away from the reference at some t in [0, T] (the start is 2.55 from the minimum: 0.1 is visible in the figure),
        // GD's error is below a tenth of Adam's at every s, and GD's error is first order: error / (s - s_ref) is the same
        // at every s within a factor 1.5 (its trajectories converge to the gradient flow; Adam's differ).
        var gdSlopes = points.Select(p => p.GdError / (p.S - reference)).ToArray();
        bool adamDiffers = points.All(p => p.AdamError >= 0.1);
        bool gdSmaller = points.All(p => p.GdError < 0.1 * p.AdamError);
        bool gdFirstOrder = gdSlopes.Max() <= 1.5 * gdSlopes.Min();
        var adamSlopes = points.Select(p => p.AdamError / (p.S - reference)).ToArray();
        report.Claims.Add(new Claim("belotto-fig3-learning-rate-changes-dynamics",
            $"{BelottoPaper}, Fig. 3 caption",
            "Fixing beta2 and changing the learning rate s lead to different dynamics. right) Trajectories of ADAM when only the learning rate is changed and beta1, beta2 are fixed. left) Comparison of the error between different trajectories.",
            $"with beta1 = 0.9, beta2 = 0.999 fixed and the error = the largest distance, over t = k s in [0, {F(horizon)}], between the run at step s and the run at s_ref = {F(reference)} at equal t: Adam eq. (4)'s error is at least 0.1 at every coarser s; gradient descent's (the control, same s) is below a tenth of Adam's at every s; and GD's error / (s - s_ref) agrees across s within a factor 1.5 (first order).",
            adamDiffers && gdSmaller && gdFirstOrder,
            string.Join("; ", points.Select(p => $"s = {F(p.S)}: error Adam {p.AdamError:G3}, GD {p.GdError:G3}; distance between the paths as curves (Hausdorff) Adam {p.AdamPathGap:G3}, GD {p.GdPathGap:G3}"))
            + $". Error / (s - s_ref): GD {string.Join(", ", gdSlopes.Select(x => x.ToString("G3", System.Globalization.CultureInfo.InvariantCulture)))}; Adam {string.Join(", ", adamSlopes.Select(x => x.ToString("G3", System.Globalization.CultureInfo.InvariantCulture)))}."));
    }
}
