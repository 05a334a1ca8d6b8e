using System;
using OdeOpt.Compare.Core;

namespace OdeOpt.Compare.Problems;

/// <summary>The closed-form losses of the suite, in double precision.</summary>
public static class TestFunctions
{
    // ---- Nakerst et al. eq. (15) -------------------------------------------------------------------------------
    /// <summary>L = (t1^2 + 2 t2 - 7)^2 + (2 t1 + t2 - 5)^2 + 1e-3 (t1^6 + t2^6).</summary>
    public static double Nakerst(double t1, double t2)
    {
        double a = t1 * t1 + 2 * t2 - 7, b = 2 * t1 + t2 - 5;
        return a * a + b * b + 1e-3 * (Math.Pow(t1, 6) + Math.Pow(t2, 6));
    }

    /// <summary>The gradient of <see cref="Nakerst"/>.</summary>
    public static (double, double) NakerstGradient(double t1, double t2)
    {
        double a = t1 * t1 + 2 * t2 - 7, b = 2 * t1 + t2 - 5;
        return (4 * a * t1 + 4 * b + 6e-3 * Math.Pow(t1, 5), 4 * a + 2 * b + 6e-3 * Math.Pow(t2, 5));
    }

    /// <summary>The minimiser of <see cref="Nakerst"/> near (1.690, 1.963), by Newton's method in double precision.</summary>
    public static (double T1, double T2, double L) NakerstMinimum()
    {
        double x = 1.69, y = 1.96;
        for (int i = 0; i < 50; i++)
        {
            var (gx, gy) = NakerstGradient(x, y);
            double a = x * x + 2 * y - 7;
            double hxx = 8 * x * x + 4 * a + 8 + 0.03 * Math.Pow(x, 4);
            double hxy = 8 * x + 4;
            double hyy = 8 + 2 + 0.03 * Math.Pow(y, 4);
            double det = hxx * hyy - hxy * hxy;
            x -= (hyy * gx - hxy * gy) / det;
            y -= (-hxy * gx + hxx * gy) / det;
        }
        return (x, y, Nakerst(x, y));
    }

    // ---- Belotto da Silva & Gazeau -------------------------------------------------------------------------------
    /// <summary>f(x, y) = (x + y)^4 + (x/2 - y/2)^4; minimum 0 at the origin, where the Hessian vanishes.</summary>
    public static double Quartic(double x, double y) => Math.Pow(x + y, 4) + Math.Pow(x / 2 - y / 2, 4);

    /// <summary>The gradient of <see cref="Quartic"/>.</summary>
    public static (double, double) QuarticGradient(double x, double y)
    {
        double s = 4 * Math.Pow(x + y, 3), d = 2 * Math.Pow(x / 2 - y / 2, 3);
        return (s + d, s - d);
    }

    // ---- Rosenbrock ----------------------------------------------------------------------------------------------
    /// <summary>sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2; minimum 0 at (1, ..., 1).</summary>
    public static double Rosenbrock(double[] x)
    {
        double sum = 0;
        for (int i = 0; i + 1 < x.Length; i++)
        {
            double a = x[i + 1] - x[i] * x[i], b = 1 - x[i];
            sum += 100 * a * a + b * b;
        }
        return sum;
    }

    /// <summary>The gradient of <see cref="Rosenbrock"/>.</summary>
    public static void RosenbrockGradient(double[] x, double[] g)
    {
        Array.Clear(g);
        for (int i = 0; i + 1 < x.Length; i++)
        {
            double a = x[i + 1] - x[i] * x[i];
            g[i] += -400 * x[i] * a - 2 * (1 - x[i]);
            g[i + 1] += 200 * a;
        }
    }

    /// <summary>Rosenbrock in <paramref name="dimension"/> variables from (-1.2, 1, -1.2, 1, ...).</summary>
    public static FunctionObjective RosenbrockObjective(int dimension)
    {
        var start = new float[dimension];
        for (int i = 0; i < dimension; i++) start[i] = i % 2 == 0 ? -1.2f : 1f;
        return new FunctionObjective(start, Rosenbrock, RosenbrockGradient);
    }

    /// <summary>Eq. (15) from (-1, -3.8), reporting L - L*.</summary>
    public static FunctionObjective NakerstObjective()
    {
        var (_, _, lmin) = NakerstMinimum();
        return new FunctionObjective([-1f, -3.8f], x => Nakerst(x[0], x[1]) - lmin,
            (x, g) => (g[0], g[1]) = NakerstGradient(x[0], x[1]));
    }

    /// <summary>The quartic from (0.5, -2.5).</summary>
    public static FunctionObjective QuarticObjective() =>
        new([0.5f, -2.5f], x => Quartic(x[0], x[1]), (x, g) => (g[0], g[1]) = QuarticGradient(x[0], x[1]));
}
