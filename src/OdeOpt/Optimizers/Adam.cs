using System;

namespace OdeOpt.Optimizers;

/// <summary>
/// Adam (Kingma &amp; Ba, 2015), exactly as <c>torch.optim.Adam</c> documents it, written as the IMEX Euler
/// discretization of the bias-corrected Adam ODE (Bhattacharjee, Popov, Sarshar, Sandu, arXiv 2403.13704).
/// </summary>
/// <remarks>
/// <para>The ODE, with the step size h = learning rate and t the step index:</para>
/// <code>
/// m'     = (1 - beta1) / h (g - m)                       explicit
/// v'     = (1 - beta2) / h (g^2 - v)                     explicit
/// theta' = -(m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)    implicit
/// </code>
/// <para>IMEX Euler (forward Euler for m and v, backward Euler for theta) gives one step</para>
/// <code>
/// m_t     = beta1 m_{t-1} + (1 - beta1) g_t
/// v_t     = beta2 v_{t-1} + (1 - beta2) g_t^2
/// theta_t = theta_{t-1} - lr (m_t / (1 - beta1^t)) / (sqrt(v_t / (1 - beta2^t)) + eps)
/// </code>
/// <para>which is Adam with m_0 = v_0 = 0 and eps added after the bias-corrected square root. One gradient per
/// step; two state arrays; 28 bytes of memory traffic per parameter per step.</para>
/// </remarks>
[Optimizer("adam", Order = 1)]
[ExplicitTableau("0 0; 1 0", B = "1 0")]
[ImplicitTableau("0 0; 0 1", B = "0 1")]
public partial class Adam
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
