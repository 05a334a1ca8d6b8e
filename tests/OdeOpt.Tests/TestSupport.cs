using System;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace OdeOpt.Tests;

/// <summary>Test problems with gradients written out, in float64.</summary>
internal static class Problems
{
    /// <summary>f(x) = sum_{i&lt;n-1} 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2.</summary>
    public static void RosenbrockGradient(ReadOnlySpan<double> x, Span<double> g)
    {
        int n = x.Length;
        g.Clear();
        for (int i = 0; i < n - 1; i++)
        {
            double d = x[i + 1] - x[i] * x[i];
            g[i] += -400 * x[i] * d - 2 * (1 - x[i]);
            g[i + 1] += 200 * d;
        }
    }

    public static double Rosenbrock(ReadOnlySpan<double> x)
    {
        double f = 0;
        for (int i = 0; i < x.Length - 1; i++)
        {
            double d = x[i + 1] - x[i] * x[i];
            f += 100 * d * d + (1 - x[i]) * (1 - x[i]);
        }
        return f;
    }

    /// <summary>The gradient of a float32 point computed in float64 and rounded, as a float32 training loop would get it.</summary>
    public static GradientFunction ToFloat(Action<double[], double[]> gradient, int n)
    {
        var x = new double[n];
        var g = new double[n];
        return (p, gr) =>
        {
            for (int i = 0; i < n; i++) x[i] = p[i];
            gradient(x, g);
            for (int i = 0; i < n; i++) gr[i] = (float)g[i];
        };
    }

    /// <summary>10-D starting point: the classic (-1.2, 1) repeated.</summary>
    public static double[] RosenbrockStart(int n) => Enumerable.Range(0, n).Select(i => i % 2 == 0 ? -1.2 : 1.0).ToArray();

    public static double MaxRelativeError(ReadOnlySpan<float> ours, ReadOnlySpan<double> reference)
    {
        double worst = 0;
        for (int i = 0; i < ours.Length; i++)
            worst = Math.Max(worst, Math.Abs(ours[i] - reference[i]) / Math.Max(1, Math.Abs(reference[i])));
        return worst;
    }

    public static float[] ToFloat(double[] x) => x.Select(v => (float)v).ToArray();

    /// <summary>Solves m x = rhs by Gaussian elimination with partial pivoting, in double (m and rhs are not changed).</summary>
    public static double[] SolveDense(double[,] m, double[] rhs)
    {
        int n = rhs.Length;
        var a = (double[,])m.Clone();
        var b = (double[])rhs.Clone();
        for (int p = 0; p < n; p++)
        {
            int pivot = p;
            for (int r = p + 1; r < n; r++) if (Math.Abs(a[r, p]) > Math.Abs(a[pivot, p])) pivot = r;
            for (int cc = 0; cc < n; cc++) (a[p, cc], a[pivot, cc]) = (a[pivot, cc], a[p, cc]);
            (b[p], b[pivot]) = (b[pivot], b[p]);
            for (int r = p + 1; r < n; r++)
            {
                double f = a[r, p] / a[p, p];
                for (int cc = p; cc < n; cc++) a[r, cc] -= f * a[p, cc];
                b[r] -= f * b[p];
            }
        }
        var x = new double[n];
        for (int r = n - 1; r >= 0; r--)
        {
            double s = b[r];
            for (int cc = r + 1; cc < n; cc++) s -= a[r, cc] * x[cc];
            x[r] = s / a[r, r];
        }
        return x;
    }
}

/// <summary>../shared/golden/torch-optim.json: trajectories of real torch.optim optimizers (PyTorch 1.13, float64).</summary>
internal sealed class Golden
{
    public required double[] A { get; init; }
    public required double[] B { get; init; }
    public required double[] C { get; init; }
    public required double[] X0 { get; init; }
    public required JsonElement Cases { get; init; }

    public static Golden Load()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Golden", "torch-optim.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement.Clone();
        var problem = root.GetProperty("problem");
        double[] Arr(string name) => problem.GetProperty(name).EnumerateArray().Select(e => e.GetDouble()).ToArray();
        return new Golden { A = Arr("a"), B = Arr("b"), C = Arr("c"), X0 = Arr("x0"), Cases = root.GetProperty("cases") };
    }

    /// <summary>g_i = a_i (x_i - c_i) + b_i sin(x_i).</summary>
    public void Gradient(double[] x, double[] g)
    {
        for (int i = 0; i < x.Length; i++) g[i] = A[i] * (x[i] - C[i]) + B[i] * Math.Sin(x[i]);
    }

    /// <summary>The steps of the case with this optimizer and exactly these options (as JSON text of the options object).</summary>
    public double[][] Steps(string optimizer, string optionsJson)
    {
        using var expected = JsonDocument.Parse(optionsJson);
        foreach (var c in Cases.EnumerateArray())
        {
            if (c.GetProperty("optimizer").GetString() != optimizer) continue;
            if (!JsonEquals(c.GetProperty("options"), expected.RootElement)) continue;
            return c.GetProperty("steps").EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetDouble()).ToArray()).ToArray();
        }
        throw new InvalidOperationException($"No golden case {optimizer} {optionsJson}.");
    }

    private static bool JsonEquals(JsonElement a, JsonElement b)
    {
        if (a.ValueKind != b.ValueKind) return false;
        switch (a.ValueKind)
        {
            case JsonValueKind.Object:
                var pa = a.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
                var pb = b.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
                return pa.Count == pb.Count && pa.Zip(pb).All(t => t.First.Name == t.Second.Name && JsonEquals(t.First.Value, t.Second.Value));
            case JsonValueKind.Array:
                var ea = a.EnumerateArray().ToList();
                var eb = b.EnumerateArray().ToList();
                return ea.Count == eb.Count && ea.Zip(eb).All(t => JsonEquals(t.First, t.Second));
            case JsonValueKind.Number:
                return a.GetDouble() == b.GetDouble();
            default:
                return a.GetRawText() == b.GetRawText();
        }
    }
}

internal static class TestSettings
{
    /// <summary>Tests exercise the multi-threaded passes at modest sizes: they run above 65,536 parameters here (the
    /// default threshold, 2,097,152, is chosen for speed; results never depend on it).</summary>
    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void LowerParallelThreshold() => OdeOpt.Runtime.KernelSettings.ParallelThreshold = 1 << 16;
}
