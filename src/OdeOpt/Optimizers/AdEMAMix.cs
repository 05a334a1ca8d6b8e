using System;

namespace OdeOpt.Optimizers;

/// <summary>
/// AdEMAMix (Pagliardini, Ablin, Grangier, "The AdEMAMix Optimizer: Better, Faster, Older", ICLR 2025, arXiv 2409.03137,
/// Algorithm 1): Adam with a second, slow exponential average of the gradient mixed into the numerator, with warmups of
/// its weight alpha and of its decay rate beta3; as the authors' <c>pytorch/ademamix.py</c> (apple/ml-ademamix) implements it.
/// </summary>
/// <remarks>
/// <para>With g_t = grad L(theta_{t-1}), lambda = <see cref="WeightDecay"/>, m1_0 = m2_0 = nu_0 = 0:</para>
/// <code>
/// alpha_t = t &lt; T_alpha ? t alpha / T_alpha : alpha
/// beta3_t = t &lt; T_beta3 ? f^-1((1 - t/T_beta3) f(beta1) + t/T_beta3 f(beta3)) : beta3,
///           f(b) = ln(1/2) / ln(b + 1e-8) - 1,   f^-1(x) = (1/2)^(1 / (x + 1))      (linear in the half-life)
/// m1_t    = beta1 m1_{t-1} + (1 - beta1) g_t                  (fast EMA)
/// m2_t    = beta3_t m2_{t-1} + (1 - beta3_t) g_t              (slow EMA)
/// nu_t    = beta2 nu_{t-1} + (1 - beta2) g_t^2
/// theta_t = theta_{t-1} - lr [ (m1_t / (1 - beta1^t) + alpha_t m2_t) / (sqrt(nu_t / (1 - beta2^t)) + eps) + lambda theta_{t-1} ]
/// </code>
/// <para>As in the paper and the code, only m1 and nu are bias-corrected; the warmups are off when T = 0 (the code's
/// None). The schedules are closed forms in t, so they are <c>[Let]</c>s computed once per step.</para>
/// <para>IMEX Euler with h = lr: the three averages are <c>[Update]</c>s (forward Euler, x_t = the update), theta's
/// implicit part reads the new ones, and the decoupled decay is theta's explicit part. One gradient per step, three state
/// arrays. Order 1.</para>
/// </remarks>
[Optimizer("ademamix", Order = 1)]
[ImexScheme(ImexSchemes.Euler)]
public partial class AdEMAMix
{
    /// <summary>The learning rate, the step size h (default 1e-3).</summary>
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1e-3f;

    /// <summary>The decay rate of the fast EMA (default 0.9).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta1 { get; set; } = 0.9f;

    /// <summary>The decay rate of the second moment (default 0.999).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta2 { get; set; } = 0.999f;

    /// <summary>The decay rate of the slow EMA after its warmup (default 0.9999).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta3 { get; set; } = 0.9999f;

    /// <summary>The weight of the slow EMA after its warmup (default 2).</summary>
    [Hyperparameter(Min = 0)] public float Alpha { get; set; } = 2f;

    /// <summary>The number of steps over which beta3 rises from beta1 (default 0: no warmup).</summary>
    [Hyperparameter(Min = 0)] public float Beta3Warmup { get; set; }

    /// <summary>The number of steps over which alpha rises from 0 (default 0: no warmup).</summary>
    [Hyperparameter(Min = 0)] public float AlphaWarmup { get; set; }

    /// <summary>Added to the bias-corrected square root of the second moment (default 1e-8).</summary>
    [Hyperparameter(Min = 0)] public float Epsilon { get; set; } = 1e-8f;

    /// <summary>The decoupled weight decay lambda (default 0).</summary>
    [Hyperparameter(Min = 0)] public float WeightDecay { get; set; }

    [Let("alphaT")] private static float AlphaT(float alpha, float alphaWarmup, float t) => t < alphaWarmup ? t / alphaWarmup * alpha : alpha;

    [Let("beta3T")]
    private static float Beta3T(float beta1, float beta3, float beta3Warmup, float t) => t < beta3Warmup
        ? MathF.Pow(0.5f, 1 / ((1 - t / beta3Warmup) * (MathF.Log(0.5f) / MathF.Log(beta1 + 1e-8f) - 1) + t / beta3Warmup * (MathF.Log(0.5f) / MathF.Log(beta3 + 1e-8f) - 1) + 1))
        : beta3;

    [Update("m1")] private static float M1(float g, float m1, float beta1) => beta1 * m1 + (1 - beta1) * g;

    [Update("m2")] private static float M2(float g, float m2, float beta3T) => beta3T * m2 + (1 - beta3T) * g;

    [Update("nu")] private static float Nu(float g, float nu, float beta2) => beta2 * nu + (1 - beta2) * g * g;

    [Explicit("theta")] private static float Decay(float theta, float weightDecay) => -weightDecay * theta;

    [Implicit("theta")]
    private static float Theta(float m1, float m2, float nu, float alphaT, float beta1, float beta2, float epsilon, int t) =>
        -(m1 / (1 - MathF.Pow(beta1, t)) + alphaT * m2) / (MathF.Sqrt(nu / (1 - MathF.Pow(beta2, t))) + epsilon);
}
