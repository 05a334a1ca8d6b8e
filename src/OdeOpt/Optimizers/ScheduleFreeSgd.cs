using System;

namespace OdeOpt.Optimizers;

/// <summary>
/// Schedule-free SGD (Defazio, Yang, Mehta, Mishchenko, Khaled, Cutkosky, "The Road Less Scheduled", NeurIPS 2024,
/// arXiv 2405.15682, Algorithm 1 with plain SGD as the base step): the gradient is taken at an interpolation y of a base
/// sequence z and its running average x, and x is the iterate; as the authors' <c>SGDScheduleFreeReference</c>
/// (facebookresearch/schedule_free, <c>sgd_schedulefree_reference.py</c>) implements it.
/// </summary>
/// <remarks>
/// <para>With k = t - 1 the 0-based step, beta = <see cref="Momentum"/>, lambda = <see cref="WeightDecay"/>, W =
/// <see cref="WarmupSteps"/>, x_0 = z_0 = y_0 = theta_0:</para>
/// <code>
/// lr_t      = lr (k &lt; W ? (k + 1) / W : 1)                          (linear warmup)
/// w_t       = (k + 1)^r lr_t^p,   c_t = w_t / (w_1 + ... + w_t)      (p = weight_lr_power; c_t = 0 while the sum is 0)
/// z_t       = z_{t-1} - lr_t (grad L(y_{t-1}) + lambda y_{t-1})
/// x_t       = (1 - c_t) x_{t-1} + c_t z_t
/// y_t       = beta x_t + (1 - beta) z_t
/// </code>
/// <para>With r = 0, p = 2 and no warmup c_t = 1/t: x_t is the plain average of z_1 ... z_t. Where the paper and the code
/// differ, this follows the code (c_{t+1} = lr_t^2 / sum lr_i^2 in the paper is the code's r = 0, p = 2). The code weights
/// by lr_max^p, the largest lr_t so far; lr_t never decreases for a constant <see cref="LearningRate"/> and a whole number
/// of warmup steps, and the weight here is lr_t^p, the same for those (it differs if the learning rate is lowered during a
/// run, which schedule-free training does not do). The code's train/eval switch is <see cref="IOptimizer.GetIterate"/>:
/// the parameter buffer holds y (train mode), GetIterate returns x (eval mode).</para>
/// <para>The state is theta = x and d = z - x, so that y = theta + (1 - beta) d is a <c>[GradientAt]</c> look-ahead point.
/// The sum of the weights is a <c>[StepScalar]</c>; lr_t, c_t, y and the new z are <c>[Let]</c>s, and the two updates
/// x_t = (1 - c_t) x + c_t z_t, d_t = z_t - x_t = (1 - c_t)(z_t - x) are <c>[Update]</c>s under forward Euler (h = lr).
/// One gradient per step (at y), one state array besides the buffer. Order 1.</para>
/// </remarks>
[Optimizer("schedule-free-sgd", Order = 1)]
[ExplicitTableau("0", B = "1")]
[GradientAt("theta + (1 - momentum) * d")]
public partial class ScheduleFreeSgd
{
    /// <summary>The learning rate of the base SGD step, the step size h (default 1, the code's).</summary>
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1f;

    /// <summary>The interpolation beta: the gradient is taken at beta x + (1 - beta) z (default 0.9).</summary>
    [Hyperparameter(Min = 0, Max = 1, MinExclusive = true, MaxExclusive = true)] public float Momentum { get; set; } = 0.9f;

    /// <summary>The L2 weight decay lambda, evaluated at y (default 0).</summary>
    [Hyperparameter(Min = 0)] public float WeightDecay { get; set; }

    /// <summary>The number of linear warmup steps W (default 0: none).</summary>
    [Hyperparameter(Min = 0)] public float WarmupSteps { get; set; }

    /// <summary>The power r of the polynomial weighting (k + 1)^r of the average (default 0).</summary>
    [Hyperparameter(Min = 0)] public float R { get; set; }

    /// <summary>The power p of the learning rate in the weights of the average (default 2).</summary>
    [Hyperparameter(Min = 0)] public float WeightLrPower { get; set; } = 2f;

    [StepScalar("weightSum")]
    private static float WeightSum(float weightSum, float r, float weightLrPower, float warmupSteps, float h, float t) =>
        weightSum + MathF.Pow(t, r) * MathF.Pow(h * (t - 1 < warmupSteps ? t / warmupSteps : 1), weightLrPower);

    [Let("lrT")] private static float LrT(float warmupSteps, float h, float t) => h * (t - 1 < warmupSteps ? t / warmupSteps : 1);

    [Let("c")] private static float C(float lrT, float weightSum, float r, float weightLrPower, float t) => weightSum > 0 ? MathF.Pow(t, r) * MathF.Pow(lrT, weightLrPower) / weightSum : 0;

    [Let("y")] private static float Y(float theta, float d, float momentum) => theta + (1 - momentum) * d;

    [Let("z")] private static float Z(float g, float theta, float d, float y, float lrT, float weightDecay) => theta + d - lrT * (g + weightDecay * y);

    [Update("theta")] private static float Theta(float theta, float z, float c) => (1 - c) * theta + c * z;

    [Update("d")] private static float D(float theta, float z, float c) => (1 - c) * (z - theta);
}
