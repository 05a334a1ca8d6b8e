using System;

namespace OdeOpt.Optimizers;

/// <summary>
/// RMSProp with momentum and super-acceleration (Nakerst, Brennan, Haque, arXiv 2001.06472, eq. (16)): the momentum form
/// of RMSProp with the gradient taken at the look-ahead point theta + sigma m.
/// </summary>
/// <remarks>
/// <code>
/// q_i         = grad L(theta_i + sigma m_{i-1})
/// v_i         = beta2 v_{i-1} + (1 - beta2) q_i^2
/// m_i         = g m_{i-1} - eta q_i / sqrt(v_i + eps)
/// theta_{i+1} = theta_i + m_i
/// </code>
/// <para>beta2 = 0.999 and eps = 1e-7 by default, as in the paper (Section 5). This is eq. (16) as printed: eps inside
/// the square root, the squared-gradient average (the paper's r, here v) of the look-ahead gradient; see
/// docs/optimizers.md. IMEX Euler with h = 1 and <c>[GradientAt("theta + sigma * m")]</c>:
/// m' = (g - 1) m - eta q / sqrt(beta2 v + (1 - beta2) q^2 + eps) and v' = (1 - beta2)(q^2 - v) explicit, theta' = m
/// implicit. One gradient per step; two state arrays.</para>
/// </remarks>
[Optimizer("super-accelerated-rmsprop", Order = 1)]
[ImexScheme(ImexSchemes.Euler)]
[GradientAt("theta + sigma * m")]
public partial class SuperAcceleratedRmsProp
{
    /// <summary>The learning rate eta (default 1e-3).</summary>
    [Hyperparameter(Min = 0)] public float LearningRate { get; set; } = 1e-3f;

    /// <summary>The momentum g (default 0.9).</summary>
    [Hyperparameter(Min = 0, Max = 1)] public float Momentum { get; set; } = 0.9f;

    /// <summary>The look-ahead sigma (default 2).</summary>
    [Hyperparameter] public float Sigma { get; set; } = 2f;

    /// <summary>The decay rate of the squared-gradient average (default 0.999).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta2 { get; set; } = 0.999f;

    /// <summary>Added inside the square root (default 1e-7).</summary>
    [Hyperparameter(Min = 0)] public float Epsilon { get; set; } = 1e-7f;

    [Explicit("v")] private static float V(float g, float v, float beta2) => (1 - beta2) * (g * g - v);

    [Explicit("m")]
    private static float M(float g, float m, float v, float momentum, float learningRate, float beta2, float epsilon) =>
        (momentum - 1) * m - learningRate * g / MathF.Sqrt(beta2 * v + (1 - beta2) * g * g + epsilon);

    [Implicit("theta")] private static float Theta(float m) => m;
}
