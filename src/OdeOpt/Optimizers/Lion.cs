using System;

namespace OdeOpt.Optimizers;

/// <summary>
/// Lion, "EvoLved Sign Momentum" (Chen, Liang, Huang, Real, Wang, Pham, Dong, Luong, Hsieh, Lu, Le, "Symbolic Discovery of
/// Optimization Algorithms", NeurIPS 2023, arXiv 2302.06675, Algorithm 2): the sign of an interpolation of the momentum and
/// the gradient, with decoupled weight decay; as the authors' <c>lion_pytorch.py</c> (google/automl) implements it.
/// </summary>
/// <remarks>
/// <para>With g_t = grad L(theta_{t-1}), lambda = <see cref="WeightDecay"/>:</para>
/// <code>
/// c_t     = beta1 m_{t-1} + (1 - beta1) g_t                     (the interpolation: update direction)
/// theta_t = theta_{t-1} - lr (sign(c_t) + lambda theta_{t-1})
/// m_t     = beta2 m_{t-1} + (1 - beta2) g_t                     (the momentum, with the other beta)
/// </code>
/// <para>m_0 = 0; sign(0) = 0 as torch.sign. The code multiplies theta by (1 - lr lambda) before adding -lr sign(c_t), the
/// same update. The declaration is the algorithm box: c_t is a <c>[Let]</c>, the two updates are <c>[Update]</c>s under
/// forward Euler (one stage, h = lr), so theta' = -(sign(c) + lambda theta) and m' = (1 - beta2)/h (g - m). One gradient per
/// step, one state array. Order 1.</para>
/// </remarks>
[Optimizer("lion", Order = 1)]
[ExplicitTableau("0", B = "1")]
public partial class Lion
{
    /// <summary>The learning rate, the step size h (default 1e-4).</summary>
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1e-4f;

    /// <summary>The interpolation weight of the momentum in the update direction c_t (default 0.9).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta1 { get; set; } = 0.9f;

    /// <summary>The decay rate of the momentum (default 0.99).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta2 { get; set; } = 0.99f;

    /// <summary>The decoupled weight decay lambda: theta shrinks by lr lambda theta each step (default 0).</summary>
    [Hyperparameter(Min = 0)] public float WeightDecay { get; set; }

    [Let("c")] private static float C(float g, float m, float beta1) => beta1 * m + (1 - beta1) * g;

    [Update("theta")] private static float Theta(float theta, float c, float weightDecay, float h) => theta - h * (MathF.Sign(c) + weightDecay * theta);

    [Update("m")] private static float M(float g, float m, float beta2) => beta2 * m + (1 - beta2) * g;
}
