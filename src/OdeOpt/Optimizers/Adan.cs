using System;

namespace OdeOpt.Optimizers;

/// <summary>
/// Adan, adaptive Nesterov momentum (Xie, Zhou, Li, Lin, Yan, "Adan: Adaptive Nesterov Momentum Algorithm for Faster
/// Optimizing Deep Models", IEEE TPAMI 2024, arXiv 2208.06677, Algorithm 1), as the authors' <c>adan.py</c> (sail-sg/Adan)
/// implements it: moments of the gradient, of the gradient difference g_t - g_{t-1}, and of the squared Nesterov-corrected
/// gradient, with proximal (or decoupled) weight decay.
/// </summary>
/// <remarks>
/// <para>With g_t = grad L(theta_{t-1}), lambda = <see cref="WeightDecay"/>, the code's betas (decay rates: beta_code = 1 -
/// beta_paper):</para>
/// <code>
/// m_t     = beta1 m_{t-1} + (1 - beta1) g_t
/// v_t     = beta2 v_{t-1} + (1 - beta2) (g_t - g_{t-1})
/// n_t     = beta3 n_{t-1} + (1 - beta3) (g_t + beta2 (g_t - g_{t-1}))^2
/// u_t     = (m_t / (1 - beta1^t) + beta2 v_t / (1 - beta2^t)) / (sqrt(n_t / (1 - beta3^t)) + eps)
/// theta_t = (theta_{t-1} - lr u_t) / (1 + lr lambda)          (proximal decay, the default)
/// theta_t = theta_{t-1} (1 - lr lambda) - lr u_t              (NoProx)
/// </code>
/// <para>Where the paper and the code differ, this follows the code: m_0 = v_0 = n_0 = 0 with bias corrections (the paper
/// starts from m_0 = g_0, n_0 = g_0^2 and has none), and at the first step g_0 - g_{-1} = 0 (the code's previous gradient
/// starts as the first gradient). The code's optional global gradient-norm clipping (max_grad_norm) is left out: the
/// library's gradient clipping does that for every optimizer.</para>
/// <para>The previous gradient is the state variable gp, updated after use (<c>[Update("gp")]</c> returns g, so every other
/// body reads gp as g_{t-1}) and initialised to the first gradient; g_t - g_{t-1} is a <c>[Let]</c>, the moments are
/// <c>[Update]</c>s. IMEX Euler with h = lr: m, v, n, gp forward Euler (x_t = the update); theta's part
/// -(noProx ? 0 : lambda) theta - u, read at the new m, v, n, backward Euler, which is the proximal step; with NoProx the
/// decay is explicit. One gradient per step, four state arrays. Order 1.</para>
/// </remarks>
[Optimizer("adan", Order = 1)]
[ImexScheme(ImexSchemes.Euler)]
public partial class Adan
{
    /// <summary>The learning rate, the step size h (default 1e-3).</summary>
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1e-3f;

    /// <summary>The decay rate of the first moment (default 0.98).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta1 { get; set; } = 0.98f;

    /// <summary>The decay rate of the gradient-difference moment, also the weight of the difference (default 0.92).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta2 { get; set; } = 0.92f;

    /// <summary>The decay rate of the second moment (default 0.99).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta3 { get; set; } = 0.99f;

    /// <summary>Added to the bias-corrected square root of the second moment (default 1e-8).</summary>
    [Hyperparameter(Min = 0)] public float Epsilon { get; set; } = 1e-8f;

    /// <summary>The weight decay lambda (default 0).</summary>
    [Hyperparameter(Min = 0)] public float WeightDecay { get; set; }

    /// <summary>Decay as theta (1 - lr lambda) before the step instead of the proximal division by 1 + lr lambda (default false).</summary>
    [Hyperparameter] public bool NoProx { get; set; }

    [Let("diff")] private static float Diff(float g, float gp) => g - gp;

    [Update("m")] private static float M(float g, float m, float beta1) => beta1 * m + (1 - beta1) * g;

    [Update("v")] private static float V(float diff, float v, float beta2) => beta2 * v + (1 - beta2) * diff;

    [Update("n")] private static float N(float g, float diff, float n, float beta2, float beta3) => beta3 * n + (1 - beta3) * (g + beta2 * diff) * (g + beta2 * diff);

    [Update("gp")] private static float Gp(float g) => g;

    [Initial("gp")] private static float Gp0(float g) => g;

    [Explicit("theta")] private static float Decay(float theta, float weightDecay, bool noProx) => noProx ? -weightDecay * theta : 0;

    [Implicit("theta")]
    private static float Theta(float theta, float m, float v, float n, float beta1, float beta2, float beta3, float epsilon, float weightDecay, bool noProx, int t) =>
        -(noProx ? 0 : weightDecay) * theta
        - (m / (1 - MathF.Pow(beta1, t)) + beta2 * v / (1 - MathF.Pow(beta2, t))) / (MathF.Sqrt(n / (1 - MathF.Pow(beta3, t))) + epsilon);
}
