using System;

namespace OdeOpt.Optimizers;

/// <summary>
/// Adam (Kingma &amp; Ba, ICLR 2015) with AMSGrad (Reddi, Kale, Kumar, ICLR 2018), L2 weight decay and maximization,
/// exactly as <c>torch.optim.Adam</c> documents it, written as the IMEX Euler discretization of the bias-corrected Adam
/// ODE (Bhattacharjee, Popov, Sarshar, Sandu, arXiv 2403.13704).
/// </summary>
/// <remarks>
/// <para>The ODE, with the step size h = learning rate, t the step index and d = (maximize ? -g : g) + lambda theta:</para>
/// <code>
/// m'     = (1 - beta1) / h (d - m)                                   explicit
/// v'     = (1 - beta2) / h (d^2 - v)                                 explicit
/// vmax'  = amsgrad ? (max(vmax, beta2 v + (1 - beta2) d^2) - vmax) / h : 0     explicit
/// theta' = -(m / (1 - beta1^t)) / (sqrt((amsgrad ? vmax : v) / (1 - beta2^t)) + eps)      implicit
/// </code>
/// <para>IMEX Euler (forward Euler for m, v, vmax; backward Euler for theta) gives one step</para>
/// <code>
/// m_t     = beta1 m_{t-1} + (1 - beta1) d_t
/// v_t     = beta2 v_{t-1} + (1 - beta2) d_t^2
/// vmax_t  = max(vmax_{t-1}, v_t)                                     (amsgrad)
/// theta_t = theta_{t-1} - lr (m_t / (1 - beta1^t)) / (sqrt((amsgrad ? vmax_t : v_t) / (1 - beta2^t)) + eps)
/// </code>
/// <para>which is torch's Adam with m_0 = v_0 = vmax_0 = 0 and eps added after the bias-corrected square root.
/// One gradient per step; three state arrays, of which vmax stays 0 and takes no memory until the first step with
/// AMSGrad on allocates it (the running maximum then starts at that step). Order 1.</para>
/// </remarks>
[Optimizer("adam", Order = 1)]
[Condition("3 + beta2 > 4 * beta1", Reference = "Belotto da Silva & Gazeau, JMLR 21(129), 2020: convergence of the Adam ODE")]
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

    /// <summary>The L2 weight decay lambda added to the gradient (default 0). For decoupled decay use <see cref="AdamW"/>.</summary>
    [Hyperparameter(Min = 0)] public float WeightDecay { get; set; }

    /// <summary>Use AMSGrad: normalize by the running maximum of the second moment (default false).</summary>
    [Hyperparameter] public bool Amsgrad { get; set; }

    /// <summary>Maximize the objective: the gradient is negated (default false).</summary>
    [Hyperparameter] public bool Maximize { get; set; }

    /// <summary>torch's d = g + lambda theta (with g negated under maximize), named once for the three moments.</summary>
    [Let("d")]
    private static float D(float g, float theta, float weightDecay, bool maximize) =>
        (maximize ? -g : g) + (weightDecay != 0 ? weightDecay * theta : 0);

    [Explicit("m")] private static float M(float d, float m, float beta1, float h) => (1 - beta1) / h * (d - m);

    [Explicit("v")] private static float V(float d, float v, float beta2, float h) => (1 - beta2) / h * (d * d - v);

    [Explicit("vmax")]
    private static float VMax(float d, float v, float vmax, float beta2, bool amsgrad, float h) =>
        amsgrad ? (MathF.Max(vmax, beta2 * v + (1 - beta2) * d * d) - vmax) / h : 0;

    [Implicit("theta")]
    private static float Theta(float m, float v, float vmax, float beta1, float beta2, float epsilon, bool amsgrad, int t) =>
        -(m / (1 - MathF.Pow(beta1, t))) / (MathF.Sqrt((amsgrad ? vmax : v) / (1 - MathF.Pow(beta2, t))) + epsilon);
}
