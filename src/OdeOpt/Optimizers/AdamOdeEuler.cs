using System;

namespace OdeOpt.Optimizers;

/// <summary>
/// The discretization of the Adam ODE with time-dependent coefficients of Belotto da Silva &amp; Gazeau ("A general system
/// of differential equations to model first-order adaptive algorithms", JMLR 21(129), 2020, eq. (4)): Euler steps of
/// theta' = -m / sqrt(v + eps), m' = h(t) g - r(t) m, v' = p(t) g^2 - q(t) v, started at m(0) = g(theta_0),
/// v(0) = g(theta_0)^2.
/// </summary>
/// <remarks>
/// <para>With step eta = <see cref="LearningRate"/> and mu_k = beta1 (1 - beta1^{k-1}) / (1 - beta1^k),
/// nu_k = beta2 (1 - beta2^{k-1}) / (1 - beta2^k) (so 1 - mu_k = (1 - beta1) / (1 - beta1^k)):</para>
/// <code>
/// m_k     = mu_k m_{k-1} + (1 - mu_k) g(theta_{k-1})         m' = (1 - mu_k)/eta (g - m)   forward Euler
/// v_k     = nu_k v_{k-1} + (1 - nu_k) g(theta_{k-1})^2       v' = (1 - nu_k)/eta (g^2 - v) forward Euler
/// theta_k = theta_{k-1} - eta m_k / sqrt(v_k + eps)           theta' = -m / sqrt(v + eps), with the new m_k, v_k
/// </code>
/// <para>The coefficients (1 - mu_k)/eta are the paper's h(t) = r(t) sampled at step k (in the limit
/// lambda1 / (1 - exp(-lambda1 t)) with beta1 = 1 - lambda1 eta), likewise p = q from beta2. Since mu_1 = nu_1 = 0, m_k and v_k
/// are exactly Adam's bias-corrected moments, so this is Adam with eps inside the square root. theta takes the moments
/// of the same step (the ordering of eq. (4), the IMEX Euler pair); the paper's equation numbers and this ordering are
/// from our notes' reconstruction (docs/optimizers.md). One gradient per step; two state arrays. Convergence needs
/// 3 + beta2 &gt; 4 beta1 in the paper's analysis. Order 1.</para>
/// </remarks>
[Optimizer("adam-ode-euler", Order = 1)]
[Condition("3 + beta2 > 4 * beta1", Reference = "Belotto da Silva & Gazeau, JMLR 21(129), 2020: convergence of the Adam ODE")]
[ImexScheme(ImexSchemes.Euler)]
public partial class AdamOdeEuler
{
    /// <summary>The step eta (default 1e-3).</summary>
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1e-3f;

    /// <summary>beta1 of the coefficient mu_k (default 0.9).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta1 { get; set; } = 0.9f;

    /// <summary>beta2 of the coefficient nu_k (default 0.999).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta2 { get; set; } = 0.999f;

    /// <summary>eps inside the square root (default 1e-8).</summary>
    [Hyperparameter(Min = 0)] public float Epsilon { get; set; } = 1e-8f;

    [Initial("m")] private static float M0(float g) => g;

    [Initial("v")] private static float V0(float g) => g * g;

    [Explicit("m")] private static float M(float g, float m, float beta1, float h, int t) => (1 - beta1) / (1 - MathF.Pow(beta1, t)) / h * (g - m);

    [Explicit("v")] private static float V(float g, float v, float beta2, float h, int t) => (1 - beta2) / (1 - MathF.Pow(beta2, t)) / h * (g * g - v);

    [Implicit("theta")] private static float Theta(float m, float v, float epsilon) => -m / MathF.Sqrt(v + epsilon);
}
