using System;

namespace OdeOpt.Optimizers;

/// <summary>
/// Adamax, the infinity-norm variant of Adam (Kingma &amp; Ba, ICLR 2015, sec. 7.1), exactly as
/// <c>torch.optim.Adamax</c> documents it.
/// </summary>
/// <remarks>
/// <para>With d_t = (maximize ? -g_t : g_t) + lambda theta_{t-1}:</para>
/// <code>
/// m_t     = beta1 m_{t-1} + (1 - beta1) d_t
/// u_t     = max(beta2 u_{t-1}, |d_t| + eps)
/// theta_t = theta_{t-1} - lr m_t / ((1 - beta1^t) u_t)
/// </code>
/// <para>As a time integrator: IMEX Euler with h = lr; m' = (1 - beta1)/h (d - m) and u' = (max(beta2 u, |d| + eps) - u)/h
/// explicit, theta' = -m / ((1 - beta1^t) u) implicit (it reads the new m and u). One gradient per step; two state
/// arrays. Order 1.</para>
/// </remarks>
[Optimizer("adamax", Order = 1)]
[ImexScheme(ImexSchemes.Euler)]
public partial class Adamax
{
    /// <summary>The learning rate, the step size h (default 2e-3).</summary>
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 2e-3f;

    /// <summary>The decay rate of the first moment (default 0.9).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta1 { get; set; } = 0.9f;

    /// <summary>The decay rate of the infinity norm (default 0.999).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta2 { get; set; } = 0.999f;

    /// <summary>Added to |d| inside the maximum (default 1e-8).</summary>
    [Hyperparameter(Min = 0)] public float Epsilon { get; set; } = 1e-8f;

    /// <summary>The L2 weight decay lambda added to the gradient (default 0).</summary>
    [Hyperparameter(Min = 0)] public float WeightDecay { get; set; }

    /// <summary>Maximize the objective: the gradient is negated (default false).</summary>
    [Hyperparameter] public bool Maximize { get; set; }

    [Explicit("m")]
    private static float M(float g, float theta, float m, float beta1, float weightDecay, bool maximize, float h) =>
        (1 - beta1) / h * ((maximize ? -g : g) + (weightDecay != 0 ? weightDecay * theta : 0) - m);

    [Explicit("u")]
    private static float U(float g, float theta, float u, float beta2, float epsilon, float weightDecay, bool maximize, float h) =>
        (MathF.Max(beta2 * u, MathF.Abs((maximize ? -g : g) + (weightDecay != 0 ? weightDecay * theta : 0)) + epsilon) - u) / h;

    [Implicit("theta")]
    private static float Theta(float m, float u, float beta1, int t) => -m / ((1 - MathF.Pow(beta1, t)) * u);
}
