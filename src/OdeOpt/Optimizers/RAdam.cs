using System;

namespace OdeOpt.Optimizers;

/// <summary>
/// Rectified Adam (Liu, Jiang, He, Chen, Liu, Gao, Han, "On the Variance of the Adaptive Learning Rate and Beyond",
/// ICLR 2020), exactly as <c>torch.optim.RAdam</c> documents it, both branches of the rectification included.
/// </summary>
/// <remarks>
/// <para>With d_t = (maximize ? -g_t : g_t) + lambda theta_{t-1} (or, with decoupled decay, theta first shrinks by
/// lr lambda theta and d_t has no lambda term):</para>
/// <code>
/// m_t = beta1 m_{t-1} + (1 - beta1) d_t,   v_t = beta2 v_{t-1} + (1 - beta2) d_t^2,   mhat_t = m_t / (1 - beta1^t)
/// rho_inf = 2 / (1 - beta2) - 1,   rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
/// rho_t &gt; 5:  r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t)),
///             theta_t = theta_{t-1} - lr mhat_t r_t sqrt(1 - beta2^t) / (sqrt(v_t) + eps)
/// otherwise:  theta_t = theta_{t-1} - lr mhat_t                      (SGD with momentum while the variance is intractable)
/// </code>
/// <para>As a time integrator: IMEX Euler with h = lr, m and v explicit, theta' implicit in the new m and v (plus the
/// explicit decoupled decay -lambda theta). The branch is a per-step condition on t. One gradient per step; two state
/// arrays. Order 1.</para>
/// </remarks>
[Optimizer("radam", Order = 1)]
[Condition("3 + beta2 > 4 * beta1", Reference = "Belotto da Silva & Gazeau, JMLR 21(129), 2020: convergence of the Adam ODE")]
[ImexScheme(ImexSchemes.Euler)]
public partial class RAdam
{
    /// <summary>The learning rate, the step size h (default 1e-3).</summary>
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1e-3f;

    /// <summary>The decay rate of the first moment (default 0.9).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta1 { get; set; } = 0.9f;

    /// <summary>The decay rate of the second moment (default 0.999).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta2 { get; set; } = 0.999f;

    /// <summary>Added to the square root of the second moment (default 1e-8).</summary>
    [Hyperparameter(Min = 0)] public float Epsilon { get; set; } = 1e-8f;

    /// <summary>The weight decay lambda (default 0): L2 on the gradient, or decoupled with <see cref="DecoupledWeightDecay"/>.</summary>
    [Hyperparameter(Min = 0)] public float WeightDecay { get; set; }

    /// <summary>Decay the parameters by lr lambda theta instead of adding lambda theta to the gradient (default false).</summary>
    [Hyperparameter] public bool DecoupledWeightDecay { get; set; }

    /// <summary>Maximize the objective: the gradient is negated (default false).</summary>
    [Hyperparameter] public bool Maximize { get; set; }

    [Explicit("m")]
    private static float M(float g, float theta, float m, float beta1, float weightDecay, bool decoupledWeightDecay, bool maximize, float h) =>
        (1 - beta1) / h * ((maximize ? -g : g) + (decoupledWeightDecay || weightDecay == 0 ? 0 : weightDecay * theta) - m);

    [Explicit("v")]
    private static float V(float g, float theta, float v, float beta2, float weightDecay, bool decoupledWeightDecay, bool maximize, float h)
    {
        float d = (maximize ? -g : g) + (decoupledWeightDecay || weightDecay == 0 ? 0 : weightDecay * theta);
        return (1 - beta2) / h * (d * d - v);
    }

    [Explicit("theta")]
    private static float Decay(float theta, float weightDecay, bool decoupledWeightDecay) => decoupledWeightDecay && weightDecay != 0 ? -weightDecay * theta : 0;

    [Implicit("theta")]
    private static float Theta(float m, float v, float beta1, float beta2, float epsilon, int t)
    {
        float mhat = m / (1 - MathF.Pow(beta1, t));
        float rhoInf = 2 / (1 - beta2) - 1;
        float rho = rhoInf - 2 * t * MathF.Pow(beta2, t) / (1 - MathF.Pow(beta2, t));
        float rect = MathF.Sqrt((rho - 4) * (rho - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rho));
        return rho > 5 ? -mhat * rect * MathF.Sqrt(1 - MathF.Pow(beta2, t)) / (MathF.Sqrt(v) + epsilon) : -mhat;
    }
}
