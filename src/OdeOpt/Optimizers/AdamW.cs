using System;

namespace OdeOpt.Optimizers;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter, "Decoupled Weight Decay Regularization", ICLR 2019), exactly as
/// <c>torch.optim.AdamW</c> documents it: Adam whose weight decay shrinks the parameters directly and never enters the
/// moments.
/// </summary>
/// <remarks>
/// <para>The Adam ODE of <see cref="Adam"/> (without L2 term, d = maximize ? -g : g) plus an explicit decay of theta,
/// under IMEX Euler with h = lr:</para>
/// <code>
/// theta' = -lambda theta                                                  explicit
///        - (m / (1 - beta1^t)) / (sqrt((amsgrad ? vmax : v) / (1 - beta2^t)) + eps)      implicit
/// theta_t = theta_{t-1} - lr lambda theta_{t-1} - lr (m_t / (1 - beta1^t)) / (sqrt(v_t / (1 - beta2^t)) + eps)
/// </code>
/// <para>m_t, v_t (and vmax_t with AMSGrad) as in Adam. One gradient per step; three state arrays (vmax allocated at the first
/// step with AMSGrad on, as in <see cref="Adam"/>). Order 1.</para>
/// </remarks>
[Optimizer("adamw", Order = 1)]
[Condition("3 + beta2 > 4 * beta1", Reference = "Belotto da Silva & Gazeau, JMLR 21(129), 2020: convergence of the Adam ODE")]
[ImexScheme(ImexSchemes.Euler)]
public partial class AdamW
{
    /// <summary>The learning rate, the step size h (default 1e-3).</summary>
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1e-3f;

    /// <summary>The decay rate of the first moment (default 0.9).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta1 { get; set; } = 0.9f;

    /// <summary>The decay rate of the second moment (default 0.999).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta2 { get; set; } = 0.999f;

    /// <summary>Added to the bias-corrected square root of the second moment (default 1e-8).</summary>
    [Hyperparameter(Min = 0)] public float Epsilon { get; set; } = 1e-8f;

    /// <summary>The decoupled weight decay lambda: theta shrinks by lr lambda theta each step (default 1e-2).</summary>
    [Hyperparameter(Min = 0)] public float WeightDecay { get; set; } = 1e-2f;

    /// <summary>Use AMSGrad: normalize by the running maximum of the second moment (default false).</summary>
    [Hyperparameter] public bool Amsgrad { get; set; }

    /// <summary>Maximize the objective: the gradient is negated (default false).</summary>
    [Hyperparameter] public bool Maximize { get; set; }

    [Explicit("m")]
    private static float M(float g, float m, float beta1, bool maximize, float h) => (1 - beta1) / h * ((maximize ? -g : g) - m);

    [Explicit("v")]
    private static float V(float g, float v, float beta2, float h) => (1 - beta2) / h * (g * g - v);

    [Explicit("vmax")]
    private static float VMax(float g, float v, float vmax, float beta2, bool amsgrad, float h) =>
        amsgrad ? (MathF.Max(vmax, beta2 * v + (1 - beta2) * g * g) - vmax) / h : 0;

    [Explicit("theta")]
    private static float Decay(float theta, float weightDecay) => weightDecay != 0 ? -weightDecay * theta : 0;

    [Implicit("theta")]
    private static float Theta(float m, float v, float vmax, float beta1, float beta2, float epsilon, bool amsgrad, int t) =>
        -(m / (1 - MathF.Pow(beta1, t))) / (MathF.Sqrt((amsgrad ? vmax : v) / (1 - MathF.Pow(beta2, t))) + epsilon);
}
