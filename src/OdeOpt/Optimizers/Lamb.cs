using System;

namespace OdeOpt.Optimizers;

/// <summary>
/// LAMB (You, Li, Reddi, Hseu, Kumar, Bhojanapalli, Song, Demmel, Keutzer, Hsieh, "Large Batch Optimization for Deep
/// Learning: Training BERT in 76 minutes", ICLR 2020, arXiv:1904.00962), Algorithm 2: Adam's bias-corrected direction
/// plus decoupled weight decay, scaled per layer by the trust ratio ||x|| / ||update||. A layer is a parameter group
/// (<see cref="ITrainingOptimizer.Groups"/>): declare one group per tensor (docs/guide.md, "One group per tensor").
/// </summary>
/// <remarks>
/// <para>Algorithm 2, per layer i (as reproduced by mlx-optimizers' and nnabla's <c>Lamb</c>):</para>
/// <code>
/// m_t = beta1 m_{t-1} + (1 - beta1) g_t
/// v_t = beta2 v_{t-1} + (1 - beta2) g_t^2
/// m^_t = m_t / (1 - beta1^t),   v^_t = v_t / (1 - beta2^t)
/// r_t = m^_t / (sqrt(v^_t) + eps)
/// x^i_{t+1} = x^i_t - eta_t phi(||x^i_t||) / ||r^i_t + lambda x^i_t|| (r^i_t + lambda x^i_t)
/// </code>
/// <para>Choices: the bias correction of Algorithm 2 is kept (some implementations drop it); phi is the identity (the
/// paper allows a clamp min(max(z, gamma_l), gamma_u)); the weight decay lambda x_t is inside the update and so inside
/// its norm, as in the algorithm; when ||x^i_t|| = 0 or ||r^i_t + lambda x^i_t|| = 0 the trust ratio is 1, as common
/// implementations do. The two norms are [Reduction]s over the group, computed in a read-only pass before the step's
/// pass (deterministic for any thread count).</para>
/// <para>As a time integrator with h = eta: forward Euler on m' = (1 - beta1)/h (g - m), v' = (1 - beta2)/h (g^2 - v)
/// and theta' = -phi(||theta||) / ||u|| u, with u = r + lambda theta evaluated at the step's start (r from the updated
/// moments m_t, v_t: [Let]s that the update, its [Reduction] and nothing else need to repeat). One gradient per step; two state arrays; 44 bytes per parameter per step (the
/// reduction pass reads theta, g, m and v, the step reads them again and writes theta, m, v).</para>
/// </remarks>
[Optimizer("lamb", Order = 1)]
[ExplicitTableau("0", B = "1")]
public partial class Lamb
{
    /// <summary>The learning rate eta, the step size h (default 1e-3).</summary>
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1e-3f;

    /// <summary>The decay rate of the first moment (default 0.9).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta1 { get; set; } = 0.9f;

    /// <summary>The decay rate of the second moment (default 0.999).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta2 { get; set; } = 0.999f;

    /// <summary>Added to the bias-corrected square root of the second moment (default 1e-6, the paper's).</summary>
    [Hyperparameter(Min = 0)] public float Epsilon { get; set; } = 1e-6f;

    /// <summary>The decoupled weight decay lambda, inside the update and its norm (default 0.01).</summary>
    [Hyperparameter(Min = 0)] public float WeightDecay { get; set; } = 0.01f;

    /// <summary>||x^i_t||, per group.</summary>
    /// <summary>The moments of Algorithm 2, m_t and v_t, named once: the update, its norm and the state read them.</summary>
    [Let("mt")] private static float Mt(float g, float m, float beta1) => beta1 * m + (1 - beta1) * g;

    [Let("vt")] private static float Vt(float g, float v, float beta2) => beta2 * v + (1 - beta2) * (g * g);

    /// <summary>The layer's update r_t + lambda x_t.</summary>
    [Let("u")]
    private static float U(float mt, float vt, float theta, float beta1, float beta2, float epsilon, float weightDecay, int t) =>
        mt / (1 - MathF.Pow(beta1, t)) / (MathF.Sqrt(vt / (1 - MathF.Pow(beta2, t))) + epsilon) + weightDecay * theta;

    [Reduction("thetaNorm", ReductionKind.Norm)] private static float ThetaNorm(float theta) => theta;

    [Reduction("updateNorm", ReductionKind.Norm)] private static float UpdateNorm(float u) => u;

    [Explicit("m")] private static float M(float g, float m, float beta1, float h) => (1 - beta1) / h * (g - m);

    [Explicit("v")] private static float V(float g, float v, float beta2, float h) => (1 - beta2) / h * (g * g - v);

    [Explicit("theta")]
    private static float Theta(float u, float thetaNorm, float updateNorm) => -(thetaNorm > 0 && updateNorm > 0 ? thetaNorm / updateNorm : 1) * u;
}
