using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ScottPlot;

namespace OdeOpt.Compare.Report;

/// <summary>A named series of points.</summary>
public sealed record Series(string Label, double[] X, double[] Y);

/// <summary>The report's PNG plots (ScottPlot).</summary>
public static class Plots
{
    private const int Width = 1200, Height = 600;

    /// <summary>Loss versus step (or gradient evaluations) on a logarithmic y axis. Values at or below zero are drawn at
    /// <paramref name="floor"/>; a series stops at its first non-finite value.</summary>
    public static void LogLoss(string path, string title, string xLabel, string yLabel, IEnumerable<Series> series, double floor = 1e-16, double maxX = double.PositiveInfinity)
    {
        var plt = new Plot();
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (var s in series)
        {
            var xs = new List<double>();
            var ys = new List<double>();
            for (int i = 0; i < s.X.Length; i++)
            {
                if (!double.IsFinite(s.Y[i]) || s.X[i] > maxX) break;
                double y = Math.Log10(Math.Max(s.Y[i], floor));
                xs.Add(s.X[i]);
                ys.Add(y);
                lo = Math.Min(lo, y);
                hi = Math.Max(hi, y);
            }
            var line = plt.Add.ScatterLine(xs.ToArray(), ys.ToArray());
            line.LegendText = s.Label + (xs.Count < s.X.Length && !double.IsFinite(s.Y[xs.Count]) ? " (diverged)" : "");
            line.LineWidth = 2;
        }
        LogAxis(plt.Axes.Left);
        Finish(plt, path, title, xLabel, yLabel);
    }

    /// <summary>Trajectories over contour lines of <paramref name="f"/> (contours of log10(f - fmin + 1e-3)). The view is
    /// <paramref name="box"/> grown to hold the trajectories, but never beyond its own size again on each side.</summary>
    public static void Trajectories(string path, string title, Func<double, double, double> f, double fmin,
        (double X0, double X1, double Y0, double Y1) box, IEnumerable<Series> paths, (double X, double Y) minimum, string xLabel = "theta_1", string yLabel = "theta_2")
    {
        var plt = new Plot();
        var all = paths.ToList();
        double w = box.X1 - box.X0, h = box.Y1 - box.Y0;
        foreach (var s in all)
        {
            for (int i = 0; i < s.X.Length; i++)
            {
                if (!double.IsFinite(s.X[i]) || !double.IsFinite(s.Y[i])) break;
                box = (Math.Min(box.X0, Math.Max(s.X[i], box.X0 - w)), Math.Max(box.X1, Math.Min(s.X[i], box.X1 + w)),
                    Math.Min(box.Y0, Math.Max(s.Y[i], box.Y0 - h)), Math.Max(box.Y1, Math.Min(s.Y[i], box.Y1 + h)));
            }
        }
        double padX = 0.03 * (box.X1 - box.X0), padY = 0.03 * (box.Y1 - box.Y0);
        box = (box.X0 - padX, box.X1 + padX, box.Y0 - padY, box.Y1 + padY);
        const int n = 120;
        var grid = new Coordinates3d[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double x = box.X0 + (box.X1 - box.X0) * j / (n - 1), y = box.Y0 + (box.Y1 - box.Y0) * i / (n - 1);
                grid[i, j] = new Coordinates3d(x, y, Math.Log10(Math.Max(f(x, y) - fmin, 0) + 1e-3));
            }
        }
        var contours = plt.Add.ContourLines(grid, 18);
        contours.LineColor = Colors.Gray.WithAlpha(0.6);
        contours.LabelStyle.IsVisible = false;
        foreach (var s in all)
        {
            var xs = new List<double>();
            var ys = new List<double>();
            for (int i = 0; i < s.X.Length; i++)
            {
                if (!double.IsFinite(s.X[i]) || !double.IsFinite(s.Y[i])) break;
                xs.Add(Math.Clamp(s.X[i], box.X0 - (box.X1 - box.X0), box.X1 + (box.X1 - box.X0)));
                ys.Add(Math.Clamp(s.Y[i], box.Y0 - (box.Y1 - box.Y0), box.Y1 + (box.Y1 - box.Y0)));
            }
            var line = plt.Add.ScatterLine(xs.ToArray(), ys.ToArray());
            line.LegendText = s.Label;
            line.LineWidth = 1.8f;
            line.MarkerSize = 0;
        }
        var star = plt.Add.Marker(minimum.X, minimum.Y, MarkerShape.FilledCircle, 10, Colors.Black);
        star.LegendText = $"minimum ({minimum.X.ToString("F3", CultureInfo.InvariantCulture)}, {minimum.Y.ToString("F3", CultureInfo.InvariantCulture)})";
        plt.Axes.SetLimits(box.X0, box.X1, box.Y0, box.Y1);
        Finish(plt, path, title, xLabel, yLabel, autoscale: false);
    }

    /// <summary>Lines and markers on linear axes, x logarithmic when <paramref name="logX"/>.</summary>
    public static void Lines(string path, string title, string xLabel, string yLabel, IEnumerable<Series> lines, IEnumerable<Series> markers, bool logX)
    {
        var plt = new Plot();
        foreach (var s in lines)
        {
            var line = plt.Add.ScatterLine(logX ? s.X.Select(Math.Log10).ToArray() : s.X, s.Y);
            line.LegendText = s.Label;
            line.LineWidth = 2;
        }
        foreach (var s in markers)
        {
            var points = plt.Add.Scatter(logX ? s.X.Select(Math.Log10).ToArray() : s.X, s.Y);
            points.LegendText = s.Label;
            points.LineWidth = 0;
            points.MarkerSize = 9;
            points.MarkerShape = MarkerShape.OpenCircle;
        }
        if (logX) LogAxis(plt.Axes.Bottom);
        Finish(plt, path, title, xLabel, yLabel);
    }

    private static void LogAxis(ScottPlot.IAxis axis)
    {
        axis.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = v => "1e" + Math.Round(v).ToString(CultureInfo.InvariantCulture),
        };
    }

    private static void Finish(Plot plt, string path, string title, string xLabel, string yLabel, bool autoscale = true)
    {
        plt.Title(title, 16);
        plt.XLabel(xLabel, 14);
        plt.YLabel(yLabel, 14);
        plt.Legend.FontSize = 12;
        plt.ShowLegend(Edge.Right);
        if (autoscale) plt.Axes.AutoScale();
        plt.SavePng(path, Width, Height);
    }
}
