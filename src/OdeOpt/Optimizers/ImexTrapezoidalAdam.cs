using System;

namespace OdeOpt.Optimizers;

/// <summary>
/// Second-order IMEX-trapezoidal Adam (Bhattacharjee, Popov, Sarshar, Sandu, arXiv 2403.13704): the bias-corrected
/// Adam ODE of <see cref="Adam"/> integrated with the explicit trapezoidal rule (Heun) for m and v and the implicit
/// trapezoidal rule for theta.
/// </summary>
/// <remarks>
/// <para>With Y_1 = (theta_n, m_n, v_n), g_1 = grad L(theta_n):</para>
/// <code>
/// m_2 = m_n + h E_m(g_1, m_n),   v_2 = v_n + h E_v(g_1, v_n)
/// theta_{n+1} = theta_n + h/2 (I_theta(m_n, v_n) + I_theta(m_2, v_2))
/// g_2 = grad L(theta_{n+1})
/// m_{n+1} = m_n + h/2 (E_m(g_1, m_n) + E_m(g_2, m_2)),   likewise v_{n+1}
/// </code>
/// <para>The second stage's point is theta_{n+1}, so g_2 is the next step's g_1 (first same as last): one gradient
/// per step. Between calls it keeps m_2, m_n + h/2 E_m(Y_1), v_2 and v_n + h/2 E_v(Y_1): 44 bytes per parameter per
/// step. Order 2 on the unbiased Adam ODE.</para>
/// </remarks>
[Optimizer("imex-trapezoidal-adam", Order = 2)]
[Condition("3 + beta2 > 4 * beta1", Reference = "Belotto da Silva & Gazeau, JMLR 21(129), 2020: convergence of the Adam ODE")]
[ExplicitTableau("0 0; 1 0", B = "1/2 1/2")]
[ImplicitTableau("0 0; 1/2 1/2", B = "1/2 1/2")]
public partial class ImexTrapezoidalAdam
{
    /// <summary>The learning rate, the step size h (default 1e-3).</summary>
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1e-3f;

    /// <summary>The decay rate of the first moment (default 0.9).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta1 { get; set; } = 0.9f;

    /// <summary>The decay rate of the second moment (default 0.999).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta2 { get; set; } = 0.999f;

    /// <summary>Added to the bias-corrected square root of the second moment (default 1e-8).</summary>
    [Hyperparameter(Min = 0)] public float Epsilon { get; set; } = 1e-8f;

    [Explicit("m")] private static float M(float g, float m, float beta1, float h) => (1 - beta1) / h * (g - m);

    [Explicit("v")] private static float V(float g, float v, float beta2, float h) => (1 - beta2) / h * (g * g - v);

    [Implicit("theta")]
    private static float Theta(float m, float v, float beta1, float beta2, float epsilon, int t) =>
        -(m / (1 - MathF.Pow(beta1, t))) / (MathF.Sqrt(v / (1 - MathF.Pow(beta2, t))) + epsilon);
}
