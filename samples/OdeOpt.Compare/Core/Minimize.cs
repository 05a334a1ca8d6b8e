using System;
using System.Linq;

namespace OdeOpt.Compare.Core;

/// <summary>One-dimensional minimisation for the sigma* fits.</summary>
public static class Minimize
{
    /// <summary>The minimiser of <paramref name="f"/> over [<paramref name="lo"/>, <paramref name="hi"/>]: a scan of
    /// <paramref name="points"/> equally spaced values, then <paramref name="iterations"/> golden-section steps on the
    /// bracket around the scan's best.</summary>
    /// <returns>The minimiser, the index of the scan's best point and f there.</returns>
    public static (double Best, int ScanIndex, double ScanMinimum) ScanThenGolden(Func<double, double> f, double lo, double hi, int points, int iterations)
    {
        var grid = Enumerable.Range(0, points).Select(i => lo + (hi - lo) * i / (points - 1)).ToArray();
        var values = grid.Select(f).ToArray();
        int k = Array.IndexOf(values, values.Min());
        double l = grid[Math.Max(0, k - 1)], h = grid[Math.Min(points - 1, k + 1)];
        const double phi = 0.6180339887498949;
        double x1 = h - phi * (h - l), x2 = l + phi * (h - l), f1 = f(x1), f2 = f(x2);
        for (int it = 0; it < iterations; it++)
        {
            if (f1 < f2) { h = x2; x2 = x1; f2 = f1; x1 = h - phi * (h - l); f1 = f(x1); }
            else { l = x1; x1 = x2; f1 = f2; x2 = l + phi * (h - l); f2 = f(x2); }
        }
        return ((l + h) / 2, k, values[k]);
    }
}
