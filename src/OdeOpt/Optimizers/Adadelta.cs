using System;

namespace OdeOpt.Optimizers;

/// <summary>
/// Adadelta (Zeiler, "ADADELTA: An Adaptive Learning Rate Method", arXiv 1212.5701), exactly as
/// <c>torch.optim.Adadelta</c> documents it.
/// </summary>
/// <remarks>
/// <para>With d_t = (maximize ? -g_t : g_t) + lambda theta_{t-1}:</para>
/// <code>
/// v_t       = rho v_{t-1} + (1 - rho) d_t^2
/// dx_t      = sqrt(u_{t-1} + eps) / sqrt(v_t + eps) d_t
/// u_t       = rho u_{t-1} + (1 - rho) dx_t^2
/// theta_t   = theta_{t-1} - lr dx_t
/// </code>
/// <para>As a time integrator: forward Euler with h = lr on theta' = -dx, v' = (v_t - v)/h, u' = (u_t - u)/h (written out
/// from the previous values and d). One gradient per step; two state arrays. Order 1.</para>
/// </remarks>
[Optimizer("adadelta", Order = 1)]
[ExplicitTableau("0", B = "1")]
public partial class Adadelta
{
    /// <summary>The learning rate, the step size h (default 1.0).</summary>
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1f;

    /// <summary>The decay rate rho of both running averages (default 0.9).</summary>
    [Hyperparameter(Min = 0, Max = 1)] public float Rho { get; set; } = 0.9f;

    /// <summary>Added inside both square roots (default 1e-6).</summary>
    [Hyperparameter(Min = 0)] public float Epsilon { get; set; } = 1e-6f;

    /// <summary>The L2 weight decay lambda added to the gradient (default 0).</summary>
    [Hyperparameter(Min = 0)] public float WeightDecay { get; set; }

    /// <summary>Maximize the objective: the gradient is negated (default false).</summary>
    [Hyperparameter] public bool Maximize { get; set; }

    [Explicit("v")]
    private static float V(float g, float theta, float v, float rho, float weightDecay, bool maximize, float h)
    {
        float d = (maximize ? -g : g) + (weightDecay != 0 ? weightDecay * theta : 0);
        return (1 - rho) / h * (d * d - v);
    }

    [Explicit("u")]
    private static float U(float g, float theta, float v, float u, float rho, float epsilon, float weightDecay, bool maximize, float h)
    {
        float d = (maximize ? -g : g) + (weightDecay != 0 ? weightDecay * theta : 0);
        float dx = MathF.Sqrt(u + epsilon) / MathF.Sqrt(rho * v + (1 - rho) * d * d + epsilon) * d;
        return (1 - rho) / h * (dx * dx - u);
    }

    [Explicit("theta")]
    private static float Theta(float g, float theta, float v, float u, float rho, float epsilon, float weightDecay, bool maximize)
    {
        float d = (maximize ? -g : g) + (weightDecay != 0 ? weightDecay * theta : 0);
        return -MathF.Sqrt(u + epsilon) / MathF.Sqrt(rho * v + (1 - rho) * d * d + epsilon) * d;
    }
}
