// The arithmetic of step-size control by an embedded pair (issue 17), as ODE solvers define it (Hairer, Norsett & Wanner,
// Solving Ordinary Differential Equations I, Sec. II.4; the PI form of Gustafsson as in Hairer's DOPRI5 code):
//   sc_i = atol + rtol * max(|y0_i|, |y1_i|),    err = sqrt( (1/n) sum_i ((y1_i - yhat1_i) / sc_i)^2 ),
//   elementary: h_new = h * min(facmax, max(facmin, safety * (1/err)^(1/(q+1)))),
//   PI:         h_new = h * min(facmax, max(facmin, safety * err^(-alpha) * err_prev^beta)),  alpha = 1/(q+1) - 0.75 beta,
// with q = min(p, p-hat). A step with err <= 1 is accepted. The error norm is summed in double over fixed blocks combined
// in block order, so it is the same for any thread count.
using System;

namespace OdeOpt.Runtime;

/// <summary>Error norm and step-size controllers of an embedded pair (see the file's opening comment).</summary>
internal static class StepSizeControl
{
    /// <summary>The fixed block length of the error norm's partial sums (that of the passes).</summary>
    public const int BlockSize = PassScheduler.BlockSize;

    /// <summary>The sum over the elements of ((error_i) / (atol + rtol max(|y0_i|, |y1_i|)))^2, in double, block by block
    /// in block order. <paramref name="error"/> is y1 - yhat1 (any sign).</summary>
    public static double ScaledSumOfSquares(ReadOnlySpan<float> y0, ReadOnlySpan<float> y1, ReadOnlySpan<float> error, double atol, double rtol)
    {
        if (y0.Length != y1.Length || y0.Length != error.Length) throw new ArgumentException("The three vectors must have the same length.");
        CheckTolerances(atol, rtol);
        double total = 0;
        for (int b = 0; b < y0.Length; b += BlockSize)
        {
            int end = Math.Min(b + BlockSize, y0.Length);
            double block = 0;
            for (int i = b; i < end; i++)
            {
                double sc = atol + rtol * Math.Max(Math.Abs((double)y0[i]), Math.Abs((double)y1[i]));
                double r = error[i] / sc;
                block += r * r;
            }
            total += block;
        }
        return total;
    }

    /// <summary>err = sqrt(sum / n) from <see cref="ScaledSumOfSquares"/> summed over all <paramref name="count"/> elements.</summary>
    public static double ErrorNorm(double scaledSumOfSquares, long count) => Math.Sqrt(scaledSumOfSquares / count);

    /// <summary>The elementary controller: h * min(facmax, max(facmin, safety * (1/err)^(1/(q+1)))).</summary>
    /// <param name="h">The step size of the step just tried.</param>
    /// <param name="err">Its error norm (accepted when at most 1).</param>
    /// <param name="q">min(p, p-hat), the order of the error estimate's leading term minus one.</param>
    /// <param name="safety">The safety factor in (0, 1].</param>
    /// <param name="facmin">The smallest factor h may change by, in (0, 1).</param>
    /// <param name="facmax">The largest factor h may change by, above 1.</param>
    public static double Elementary(double h, double err, int q, double safety, double facmin, double facmax)
    {
        CheckFactors(q, safety, facmin, facmax);
        double factor = err > 0 ? safety * Math.Pow(1 / err, 1.0 / (q + 1)) : facmax;
        return h * Math.Min(facmax, Math.Max(facmin, factor));
    }

    /// <summary>The PI controller: h * min(facmax, max(facmin, safety * err^(-alpha) * errPrevious^beta)) with
    /// alpha = 1/(q+1) - 0.75 beta; beta = 0 is the elementary controller.</summary>
    /// <param name="h">The step size of the step just tried.</param>
    /// <param name="err">Its error norm (accepted when at most 1).</param>
    /// <param name="q">min(p, p-hat).</param>
    /// <param name="beta">The integral gain beta; 0 gives the elementary controller.</param>
    /// <param name="safety">The safety factor in (0, 1].</param>
    /// <param name="facmin">The smallest factor h may change by, in (0, 1).</param>
    /// <param name="facmax">The largest factor h may change by, above 1.</param>
    /// <param name="errPrevious">The error of the last accepted step (floored at 1e-4 as in DOPRI5, so that one very
    /// accurate step does not freeze h).</param>
    public static double ProportionalIntegral(double h, double err, double errPrevious, int q, double beta, double safety, double facmin, double facmax)
    {
        CheckFactors(q, safety, facmin, facmax);
        if (!(beta >= 0 && beta < 1.0 / (q + 1) / 0.75)) throw new ArgumentOutOfRangeException(nameof(beta), beta, "beta must lie in [0, 1/(0.75 (q+1))) so that alpha stays positive.");
        double alpha = 1.0 / (q + 1) - 0.75 * beta;
        double factor = err > 0 ? safety * Math.Pow(err, -alpha) * Math.Pow(Math.Max(errPrevious, 1e-4), beta) : facmax;
        return h * Math.Min(facmax, Math.Max(facmin, factor));
    }

    private static void CheckTolerances(double atol, double rtol)
    {
        if (!(atol >= 0) || !(rtol >= 0) || !(atol + rtol > 0) || double.IsInfinity(atol) || double.IsInfinity(rtol))
            throw new ArgumentOutOfRangeException(nameof(atol), $"The tolerances must be finite and non-negative with atol + rtol > 0 (atol = {atol}, rtol = {rtol}).");
    }

    private static void CheckFactors(int q, double safety, double facmin, double facmax)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(q);
        if (!(safety > 0 && safety <= 1)) throw new ArgumentOutOfRangeException(nameof(safety), safety, "The safety factor must lie in (0, 1].");
        if (!(facmin > 0 && facmin < 1)) throw new ArgumentOutOfRangeException(nameof(facmin), facmin, "facmin must lie in (0, 1).");
        if (!(facmax > 1) || double.IsInfinity(facmax)) throw new ArgumentOutOfRangeException(nameof(facmax), facmax, "facmax must be finite and above 1.");
    }
}
