using System;

namespace OdeOpt.Optimizers;

/// <summary>
/// AdaBelief (Zhuang, Tang, Ding, Tatikonda, Dvornek, Papademetris, Duncan, "AdaBelief Optimizer: Adapting Stepsizes by
/// the Belief in Observed Gradients", NeurIPS 2020, arXiv 2010.07468, Algorithm 2): Adam whose second moment is the
/// exponential average of (g_t - m_t)^2, the "belief", with eps added inside it at every step; as the authors'
/// <c>adabelief_pytorch</c> 0.2 implements it without rectification.
/// </summary>
/// <remarks>
/// <para>With g_t = grad L(theta_{t-1}), lambda = <see cref="WeightDecay"/>; d_t = g_t with <see cref="WeightDecouple"/>
/// (the default), d_t = g_t + lambda theta_{t-1} without it:</para>
/// <code>
/// m_t     = beta1 m_{t-1} + (1 - beta1) d_t
/// s_t     = beta2 s_{t-1} + (1 - beta2) (d_t - m_t)^2 + eps
/// theta_t = theta_{t-1} - lr lambda theta_{t-1} [decoupled] - lr (m_t / (1 - beta1^t)) / (sqrt(s_t / (1 - beta2^t)) + eps)
/// </code>
/// <para>m_0 = s_0 = 0. Where the paper and the code differ, this follows the code: eps is added to s_t in place (so it
/// accumulates in the state, as the paper's line s_t = ... + eps says) and once more after the bias-corrected square
/// root; both moments are bias-corrected (the paper's box shows the corrections, the code applies them to the step);
/// weight decay is decoupled (weight_decouple = True, the code's default since 0.1.0; fixed_decay = False). The code's
/// RAdam-style rectification (rectify = True by default there) is not part of the paper's Algorithm 2 and is left out,
/// as is AMSGrad.</para>
/// <para>The declaration is the algorithm box: d_t and m_t are <c>[Let]</c>s, so s_t reads the m_t of the same step, and the
/// moments are <c>[Update]</c>s (x' = (F - x)/h); under IMEX Euler with h = lr they are forward Euler, x_t = F, and theta's
/// implicit part, backward Euler, reads the new m and s. The decoupled decay is the explicit part of theta'. One gradient
/// per step, two state arrays. Order 1.</para>
/// </remarks>
[Optimizer("adabelief", Order = 1)]
[ImexScheme(ImexSchemes.Euler)]
public partial class AdaBelief
{
    /// <summary>The learning rate, the step size h (default 1e-3).</summary>
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1e-3f;

    /// <summary>The decay rate of the first moment (default 0.9).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta1 { get; set; } = 0.9f;

    /// <summary>The decay rate of the belief second moment (default 0.999).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta2 { get; set; } = 0.999f;

    /// <summary>Added to s_t at every step and after the bias-corrected square root (default 1e-16, the code's).</summary>
    [Hyperparameter(Min = 0)] public float Epsilon { get; set; } = 1e-16f;

    /// <summary>The weight decay lambda (default 0): decoupled, or L2 on the gradient without <see cref="WeightDecouple"/>.</summary>
    [Hyperparameter(Min = 0)] public float WeightDecay { get; set; }

    /// <summary>Decay the parameters by lr lambda theta instead of adding lambda theta to the gradient (default true).</summary>
    [Hyperparameter] public bool WeightDecouple { get; set; } = true;

    [Let("d")] private static float D(float g, float theta, float weightDecay, bool weightDecouple) => weightDecouple ? g : g + weightDecay * theta;

    [Let("mt")] private static float Mt(float d, float m, float beta1) => beta1 * m + (1 - beta1) * d;

    [Update("m")] private static float M(float mt) => mt;

    [Update("s")] private static float S(float d, float mt, float s, float beta2, float epsilon) => beta2 * s + (1 - beta2) * (d - mt) * (d - mt) + epsilon;

    [Explicit("theta")]
    private static float Decay(float theta, float weightDecay, bool weightDecouple) => weightDecouple ? -weightDecay * theta : 0;

    [Implicit("theta")]
    private static float Theta(float m, float s, float beta1, float beta2, float epsilon, int t) =>
        -(m / (1 - MathF.Pow(beta1, t))) / (MathF.Sqrt(s / (1 - MathF.Pow(beta2, t))) + epsilon);
}
