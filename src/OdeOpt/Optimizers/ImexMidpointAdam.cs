using System;

namespace OdeOpt.Optimizers;

/// <summary>
/// Second-order IMEX-midpoint Adam (Bhattacharjee, Popov, Sarshar, Sandu, arXiv 2403.13704; the explicit/implicit midpoint
/// pair of Ascher, Ruuth, Spiteri, Appl. Numer. Math. 25, 1997): the bias-corrected Adam ODE of <see cref="Adam"/> with the
/// explicit midpoint rule for m, v and the implicit midpoint rule for theta.
/// </summary>
/// <remarks>
/// <code>
/// explicit A = [0 0; 1/2 0], b = (0, 1)          implicit A = [0 0; 0 1/2], b = (0, 1)
/// m~ = m_n + h/2 E_m(g_1, m_n),   v~ likewise,   theta~ = theta_n + h/2 I_theta(m~, v~),   g~ = grad L(theta~)
/// m_{n+1} = m_n + h E_m(g~, m~),  v_{n+1} likewise,  theta_{n+1} = theta_n + h I_theta(m~, v~)
/// </code>
/// <para>The second gradient sits at the half step, not at theta_{n+1}: two gradients per step. Order 2 (coupling conditions
/// included); measured order 2 on the unbiased Adam ODE (tests).</para>
/// </remarks>
[Optimizer("imex-midpoint-adam", Order = 2)]
[Condition("3 + beta2 > 4 * beta1", Reference = "Belotto da Silva & Gazeau, JMLR 21(129), 2020: convergence of the Adam ODE")]
[ImexScheme(ImexSchemes.Midpoint)]
public partial class ImexMidpointAdam
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
