using System;

namespace OdeOpt.Optimizers;

/// <summary>
/// Schedule-free AdamW (Defazio, Yang, Mehta, Mishchenko, Khaled, Cutkosky, "The Road Less Scheduled", NeurIPS 2024,
/// arXiv 2405.15682, Algorithm 1): the schedule-free average with an Adam-normalised base step and decoupled weight decay
/// at y; as the authors' <c>AdamWScheduleFreeReference</c> (facebookresearch/schedule_free,
/// <c>adamw_schedulefree_reference.py</c>) implements it.
/// </summary>
/// <remarks>
/// <para>With k = t - 1 the 0-based step, lambda = <see cref="WeightDecay"/>, W = <see cref="WarmupSteps"/>,
/// x_0 = z_0 = y_0 = theta_0, v_0 = 0, g_t = grad L(y_{t-1}):</para>
/// <code>
/// lr_t = lr (k &lt; W ? (k + 1) / W : 1) sqrt(1 - beta2^t)          (warmup and Adam's second-moment bias correction)
/// w_t  = (k + 1)^r lr_t^p,   c_t = w_t / (w_1 + ... + w_t)
/// v_t  = beta2 v_{t-1} + (1 - beta2) g_t^2
/// z_t  = z_{t-1} - lr_t lambda y_{t-1} - lr_t g_t / (sqrt(v_t) + eps)
/// x_t  = (1 - c_t) x_{t-1} + c_t z_t
/// y_t  = beta1 x_t + (1 - beta1) z_t
/// </code>
/// <para>There is no first moment: beta1 is the interpolation. The bias correction of v is folded into lr_t, as both
/// the paper's box (gamma_t = gamma sqrt(1 - beta2^t) min(1, t / T_warmup)) and the code do, so c_t's weights include it.
/// As in <see cref="ScheduleFreeSgd"/>, the code's lr_max (the largest lr_t so far) is lr_t here, the same whenever lr_t
/// does not decrease (a constant learning rate, a whole number of warmup steps: sqrt(1 - beta2^t) increases); the code's
/// decay_at_z option is left out (default False). The parameter buffer holds y, <see cref="IOptimizer.GetIterate"/>
/// returns x.</para>
/// <para>State theta = x, d = z - x and v; y = theta + (1 - beta1) d is the <c>[GradientAt]</c> point; forward Euler with
/// h = lr on <c>[Update]</c>s that read the <c>[Let]</c>s lr_t, c_t, v_t, y and z_t. One gradient per step (at y), two
/// state arrays. Order 1.</para>
/// </remarks>
[Optimizer("schedule-free-adamw", Order = 1)]
[ExplicitTableau("0", B = "1")]
[GradientAt("theta + (1 - beta1) * d")]
public partial class ScheduleFreeAdamW
{
    /// <summary>The learning rate, the step size h (default 0.0025, the code's).</summary>
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 0.0025f;

    /// <summary>The interpolation beta1: the gradient is taken at beta1 x + (1 - beta1) z (default 0.9).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta1 { get; set; } = 0.9f;

    /// <summary>The decay rate of the second moment (default 0.999).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta2 { get; set; } = 0.999f;

    /// <summary>Added to the square root of the second moment (default 1e-8).</summary>
    [Hyperparameter(Min = 0)] public float Epsilon { get; set; } = 1e-8f;

    /// <summary>The decoupled weight decay lambda, evaluated at y (default 0).</summary>
    [Hyperparameter(Min = 0)] public float WeightDecay { get; set; }

    /// <summary>The number of linear warmup steps W (default 0: none).</summary>
    [Hyperparameter(Min = 0)] public float WarmupSteps { get; set; }

    /// <summary>The power r of the polynomial weighting (k + 1)^r of the average (default 0).</summary>
    [Hyperparameter(Min = 0)] public float R { get; set; }

    /// <summary>The power p of the learning rate in the weights of the average (default 2).</summary>
    [Hyperparameter(Min = 0)] public float WeightLrPower { get; set; } = 2f;

    [StepScalar("weightSum")]
    private static float WeightSum(float weightSum, float beta2, float r, float weightLrPower, float warmupSteps, float h, float t) =>
        weightSum + MathF.Pow(t, r) * MathF.Pow(h * (t - 1 < warmupSteps ? t / warmupSteps : 1) * MathF.Sqrt(1 - MathF.Pow(beta2, t)), weightLrPower);

    [Let("lrT")] private static float LrT(float beta2, float warmupSteps, float h, float t) => h * (t - 1 < warmupSteps ? t / warmupSteps : 1) * MathF.Sqrt(1 - MathF.Pow(beta2, t));

    [Let("c")] private static float C(float lrT, float weightSum, float r, float weightLrPower, float t) => weightSum > 0 ? MathF.Pow(t, r) * MathF.Pow(lrT, weightLrPower) / weightSum : 0;

    [Let("vt")] private static float Vt(float g, float v, float beta2) => beta2 * v + (1 - beta2) * g * g;

    [Let("y")] private static float Y(float theta, float d, float beta1) => theta + (1 - beta1) * d;

    [Let("z")] private static float Z(float g, float theta, float d, float y, float vt, float lrT, float weightDecay, float epsilon) =>
        theta + d - lrT * weightDecay * y - lrT * g / (MathF.Sqrt(vt) + epsilon);

    [Update("v")] private static float V(float vt) => vt;

    [Update("theta")] private static float Theta(float theta, float z, float c) => (1 - c) * theta + c * z;

    [Update("d")] private static float D(float theta, float z, float c) => (1 - c) * (z - theta);
}
