using System;

namespace OdeOpt.Optimizers;

/// <summary>
/// The discretization of the Adam ODE with time-dependent coefficients of Belotto da Silva &amp; Gazeau ("A general system
/// of differential equations to model first-order adaptive algorithms", JMLR 21(129), 2020; the poster's eqs. (2)-(4)):
/// steps of the system (2), theta' = -m / sqrt(v + eps), m' = h(t) g - r(t) m, v' = p(t) g^2 - q(t) v, that give the
/// poster's Adam form (4), started at m_0 = g(theta_0), v_0 = g(theta_0)^2.
/// </summary>
/// <remarks>
/// <para>With step eta = <see cref="LearningRate"/> and mu_k = beta1 (1 - beta1^{k-1}) / (1 - beta1^k),
/// nu_k = beta2 (1 - beta2^{k-1}) / (1 - beta2^k) (so 1 - mu_k = (1 - beta1) / (1 - beta1^k)):</para>
/// <code>
/// m_k     = mu_k m_{k-1} + (1 - mu_k) g(theta_{k-1})         m' = (1 - mu_k)/eta (g - m)   forward Euler
/// v_k     = nu_k v_{k-1} + (1 - nu_k) g(theta_{k-1})^2       v' = (1 - nu_k)/eta (g^2 - v) forward Euler
/// theta_k = theta_{k-1} - eta m_k / sqrt(v_k + eps)           theta' = -m / sqrt(v + eps), with the new m_k, v_k
/// </code>
/// <para>The coefficients are the poster's: h = r = g_1^A(t) = (1 - e^(-lambda/alpha_1)) / (lambda (1 - e^(-t/alpha_1))) with
/// lambda = s = eta and beta1 = e^(-lambda/alpha_1), for which "s g_i^A((k+1)s, ...) = 1 - beta1 (1 - beta1^k)/(1 - beta1^(k+1))
/// = 1 - mu_(k+1)"; likewise p = q = g_2^A from beta2. Since mu_1 = nu_1 = 0, m_k and v_k are exactly Adam's bias-corrected
/// moments, so this is Adam with eps inside the square root. Eq. (4), like this optimizer, steps theta from theta_k with
/// moments that already include the gradient at theta_k; with the index shifted by one (this optimizer's m_k is the
/// poster's m_(k-1)) the two sequences are the same, as docs/optimizers.md works out. One gradient per step; two state arrays.
/// Convergence of the ODE needs 3 + beta2 &gt; 4 beta1 (the poster's Theorem 1). Order 1.</para>
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
