using System;

namespace OdeOpt.Optimizers;

/// <summary>
/// LaProp (Ziyin, Wang, Ueda, "LaProp: Separating Momentum and Adaptivity in Adam", arXiv 2002.04839, Algorithm 1): the
/// gradient is normalised by the second moment first and the momentum averages the normalised gradients, the reverse of
/// Adam's order; as the authors' <c>laprop.py</c> (Z-T-WANG/LaProp-Optimizer) implements it.
/// </summary>
/// <remarks>
/// <para>With g_t = grad L(theta_{t-1}), lambda = <see cref="WeightDecay"/>, m_0 = n_0 = 0:</para>
/// <code>
/// n_t     = beta2 n_{t-1} + (1 - beta2) g_t^2
/// m_t     = beta1 m_{t-1} + (1 - beta1) g_t / (sqrt(n_t / (1 - beta2^t)) + eps)
/// theta_t = (1 - lambda) (theta_{t-1} - lr m_t / (1 - beta1^t))
/// </code>
/// <para>Where the paper and the code differ, this follows the paper for the learning rate and the code for the rest.
/// The code puts lr inside the momentum (m accumulates lr g / (...)) and bias-corrects it by an average of past learning
/// rates; for a constant learning rate both are the paper's m_t and 1 - beta1^t, and here lr multiplies the step, as in
/// the paper (the two differ only if the learning rate changes during a run). The weight decay is the code's: theta
/// shrinks by lambda theta after the step, not scaled by lr (the paper has no weight decay). The code's amsgrad and
/// centered options are left out (centered reads an undefined name there).</para>
/// <para>Forward Euler (one stage, h = lr) on <c>[Update]</c>s that read the <c>[Let]</c>s n_t and m_t. One gradient per
/// step, two state arrays. Order 1.</para>
/// </remarks>
[Optimizer("laprop", Order = 1)]
[ExplicitTableau("0", B = "1")]
public partial class LaProp
{
    /// <summary>The learning rate, the step size h (default 4e-4, the code's).</summary>
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 4e-4f;

    /// <summary>The decay rate of the momentum of normalised gradients (default 0.9).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta1 { get; set; } = 0.9f;

    /// <summary>The decay rate of the second moment (default 0.999).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta2 { get; set; } = 0.999f;

    /// <summary>Added to the bias-corrected square root of the second moment (default 1e-15, the code's).</summary>
    [Hyperparameter(Min = 0)] public float Epsilon { get; set; } = 1e-15f;

    /// <summary>The weight decay lambda: theta shrinks by lambda theta after each step (default 0).</summary>
    [Hyperparameter(Min = 0, Max = 1)] public float WeightDecay { get; set; }

    [Let("nt")] private static float Nt(float g, float n, float beta2) => beta2 * n + (1 - beta2) * g * g;

    [Let("mt")] private static float Mt(float g, float m, float nt, float beta1, float beta2, float epsilon, int t) =>
        beta1 * m + (1 - beta1) * g / (MathF.Sqrt(nt / (1 - MathF.Pow(beta2, t))) + epsilon);

    [Update("n")] private static float N(float nt) => nt;

    [Update("m")] private static float M(float mt) => mt;

    [Update("theta")]
    private static float Theta(float theta, float mt, float beta1, float weightDecay, float h, int t)
    {
        float stepped = theta - h * mt / (1 - MathF.Pow(beta1, t));
        return stepped - weightDecay * stepped;   // the code's p.add_(-weight_decay, p): (1 - lambda) rounded to float would drift
    }
}
