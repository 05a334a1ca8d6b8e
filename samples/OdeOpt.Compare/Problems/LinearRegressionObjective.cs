using System;
using OdeOpt.Compare.Core;

namespace OdeOpt.Compare.Problems;

/// <summary>
/// Nakerst et al. Fig. 4: N_f features uniform in (0, 1), y = sum_a (x_a / N_f)^3, a linear model with bias
/// (N_f + 1 parameters, all 0.2 at the start), mean squared error <c>L = (1/N) sum_n (w . x_n + b - y_n)^2</c>.
/// The reported loss is the excess L - L*, with L* the least-squares minimum found by Cholesky in double precision.
/// </summary>
public sealed class LinearRegressionObjective : IObjective
{
    private readonly double[] _x;   // N x F row-major
    private readonly double[] _y;
    private readonly double[] _r;
    private readonly int _n, _f;

    /// <summary>Generates the data from <paramref name="seed"/>.</summary>
    public LinearRegressionObjective(int features, int points, int seed)
    {
        _f = features;
        _n = points;
        var rng = new Random(seed);
        _x = new double[points * features];
        _y = new double[points];
        _r = new double[points];
        for (int n = 0; n < points; n++)
        {
            double y = 0;
            for (int a = 0; a < features; a++)
            {
                double v = rng.NextDouble();
                while (v == 0) v = rng.NextDouble();
                _x[n * features + a] = v;
                double s = v / features;
                y += s * s * s;
            }
            _y[n] = y;
        }
        MinimumLoss = LossAt(LeastSquares());
    }

    /// <summary>The features of point <paramref name="n"/>.</summary>
    public ReadOnlySpan<double> Features(int n) => _x.AsSpan(n * _f, _f);

    /// <summary>The targets.</summary>
    public ReadOnlySpan<double> Targets => _y;

    /// <summary>L*, the least-squares minimum of the MSE.</summary>
    public double MinimumLoss { get; }

    /// <inheritdoc/>
    public int Dimension => _f + 1;

    /// <inheritdoc/>
    public float[] Start()
    {
        var p = new float[_f + 1];
        Array.Fill(p, 0.2f);
        return p;
    }

    /// <inheritdoc/>
    public void Gradient(ReadOnlySpan<float> parameters, Span<float> gradient)
    {
        Residuals(parameters);
        for (int a = 0; a <= _f; a++)
        {
            double sum = 0;
            if (a == _f) for (int n = 0; n < _n; n++) sum += _r[n];
            else for (int n = 0; n < _n; n++) sum += _r[n] * _x[n * _f + a];
            gradient[a] = (float)(2 * sum / _n);
        }
    }

    /// <inheritdoc/>
    public double Loss(ReadOnlySpan<float> theta)
    {
        Residuals(theta);
        double sum = 0;
        for (int n = 0; n < _n; n++) sum += _r[n] * _r[n];
        return Math.Max(0, sum / _n - MinimumLoss);
    }

    /// <inheritdoc/>
    public double Value(ReadOnlySpan<float> parameters)
    {
        Residuals(parameters);
        double sum = 0;
        for (int n = 0; n < _n; n++) sum += _r[n] * _r[n];
        return sum / _n;
    }

    private void Residuals(ReadOnlySpan<float> p)
    {
        for (int n = 0; n < _n; n++)
        {
            double s = p[_f] - _y[n];
            int o = n * _f;
            for (int a = 0; a < _f; a++) s += p[a] * _x[o + a];
            _r[n] = s;
        }
    }

    private double LossAt(double[] w)
    {
        double sum = 0;
        for (int n = 0; n < _n; n++)
        {
            double s = w[_f] - _y[n];
            for (int a = 0; a < _f; a++) s += w[a] * _x[n * _f + a];
            sum += s * s;
        }
        return sum / _n;
    }

    /// <summary>Solves the normal equations (X^T X) w = X^T y with the bias column, by Cholesky.</summary>
    private double[] LeastSquares()
    {
        int d = _f + 1;
        var a = new double[d, d];
        var b = new double[d];
        var row = new double[d];
        for (int n = 0; n < _n; n++)
        {
            for (int i = 0; i < _f; i++) row[i] = _x[n * _f + i];
            row[_f] = 1;
            for (int i = 0; i < d; i++)
            {
                b[i] += row[i] * _y[n];
                for (int j = 0; j <= i; j++) a[i, j] += row[i] * row[j];
            }
        }
        for (int j = 0; j < d; j++)
        {
            double s = a[j, j];
            for (int k = 0; k < j; k++) s -= a[j, k] * a[j, k];
            a[j, j] = Math.Sqrt(s);
            for (int i = j + 1; i < d; i++)
            {
                double t = a[i, j];
                for (int k = 0; k < j; k++) t -= a[i, k] * a[j, k];
                a[i, j] = t / a[j, j];
            }
        }
        var z = new double[d];
        for (int i = 0; i < d; i++)
        {
            double s = b[i];
            for (int k = 0; k < i; k++) s -= a[i, k] * z[k];
            z[i] = s / a[i, i];
        }
        var w = new double[d];
        for (int i = d - 1; i >= 0; i--)
        {
            double s = z[i];
            for (int k = i + 1; k < d; k++) s -= a[k, i] * w[k];
            w[i] = s / a[i, i];
        }
        return w;
    }
}
