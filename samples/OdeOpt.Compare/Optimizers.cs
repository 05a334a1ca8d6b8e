using System;

namespace OdeOpt.Compare;

// Optimizers the comparison needs that OdeOpt does not ship yet. They are declared here, in the app, and compiled by
// the same generator as the built-ins; OptimizerTable.cs refers to them by registry name only, so switching to
// built-ins when they exist is a change of names there. Names carry the prefix "compare-" so they never clash.

/// <summary>
/// Momentum with super-acceleration (Nakerst, Brennan, Haque, arXiv 2001.06472):
/// <c>m_i = g m_{i-1} - eta grad L(theta_i + sigma m_{i-1})</c>, <c>theta_{i+1} = theta_i + m_i</c>, m_0 = 0.
/// sigma = 0 is Polyak's heavy ball, sigma = g is Sutskever's Nesterov momentum, sigma &gt; 1 super-acceleration.
/// </summary>
/// <remarks>IMEX (symplectic) Euler with h = 1: m' = (g - 1) m - eta grad L explicit, theta' = m implicit. The
/// parameter buffer holds the look-ahead point theta + sigma m; <see cref="IOptimizer.GetIterate"/> gives theta.
/// The momentum coefficient g of the paper is the property <see cref="Momentum"/> (g is the gradient in bodies).</remarks>
[Optimizer("compare-super-momentum")]
[ImexScheme(ImexSchemes.Euler)]
[GradientAt("theta + sigma * m")]
public partial class SuperMomentum
{
    /// <summary>The learning rate eta.</summary>
    [Hyperparameter(Min = 0)] public float Eta { get; set; } = 0.01f;

    /// <summary>The momentum coefficient g of the paper, in [0, 1).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Momentum { get; set; } = 0.9f;

    /// <summary>The look-ahead sigma: 0 heavy ball, g Nesterov, above 1 super-acceleration. May be negative.</summary>
    [Hyperparameter] public float Sigma { get; set; } = 2f;

    [Explicit("m")] private static float M(float g, float m, float momentum, float eta) => (momentum - 1) * m - eta * g;

    [Implicit("theta")] private static float Theta(float m) => m;
}

/// <summary>
/// RMSProp with momentum and super-acceleration (Nakerst et al., their eq. (16) as reconstructed in the notes):
/// <c>q = grad L(theta_i + sigma m_{i-1})</c>, <c>v_i = beta2 v_{i-1} + (1 - beta2) q^2</c>,
/// <c>m_i = g m_{i-1} - eta q / sqrt(v_i + eps)</c>, <c>theta_{i+1} = theta_i + m_i</c>.
/// </summary>
/// <remarks>IMEX Euler with h = 1. The explicit part of m reads the new v, written out from v and the gradient in a
/// local, so one gradient per step. sigma = 0 is TensorFlow's RMSProp with momentum.</remarks>
[Optimizer("compare-rmsprop-super")]
[ImexScheme(ImexSchemes.Euler)]
[GradientAt("theta + sigma * m")]
public partial class RmsPropSuper
{
    /// <summary>The learning rate eta.</summary>
    [Hyperparameter(Min = 0)] public float Eta { get; set; } = 0.001f;

    /// <summary>The momentum coefficient g, in [0, 1).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Momentum { get; set; } = 0.9f;

    /// <summary>The decay rate of the squared-gradient average, in [0, 1).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta2 { get; set; } = 0.999f;

    /// <summary>Added to v under the square root.</summary>
    [Hyperparameter(Min = 0)] public float Epsilon { get; set; } = 1e-7f;

    /// <summary>The look-ahead sigma.</summary>
    [Hyperparameter] public float Sigma { get; set; } = 2f;

    [Explicit("v")] private static float V(float g, float v, float beta2) => (1 - beta2) * (g * g - v);

    [Explicit("m")]
    private static float M(float g, float m, float v, float momentum, float beta2, float eta, float epsilon)
    {
        var vNew = beta2 * v + (1 - beta2) * g * g;
        return (momentum - 1) * m - eta * g / MathF.Sqrt(vNew + epsilon);
    }

    [Implicit("theta")] private static float Theta(float m) => m;
}

/// <summary>
/// Adam under the IMEX midpoint pair (explicit midpoint for m and v, implicit midpoint for theta), the bias-corrected
/// Adam ODE of <see cref="OdeOpt.Optimizers.Adam"/>; as in samples/CustomOptimizer. Stage 2 is at the half step, so
/// two gradients per step; second order.
/// </summary>
[Optimizer("compare-imex-midpoint-adam", Order = 2)]
[ExplicitTableau("0 0; 1/2 0", B = "0 1")]
[ImplicitTableau("0 0; 0 1/2", B = "0 1")]
public partial class ImexMidpointAdam
{
    /// <summary>The learning rate, the step size h.</summary>
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1e-3f;

    /// <summary>The decay rate of the first moment.</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta1 { get; set; } = 0.9f;

    /// <summary>The decay rate of the second moment.</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta2 { get; set; } = 0.999f;

    /// <summary>Added to the bias-corrected square root of the second moment.</summary>
    [Hyperparameter(Min = 0)] public float Epsilon { get; set; } = 1e-8f;

    [Explicit("m")] private static float M(float g, float m, float beta1, float h) => (1 - beta1) / h * (g - m);

    [Explicit("v")] private static float V(float g, float v, float beta2, float h) => (1 - beta2) / h * (g * g - v);

    [Implicit("theta")]
    private static float Theta(float m, float v, float beta1, float beta2, float epsilon, int t) =>
        -(m / (1 - MathF.Pow(beta1, t))) / (MathF.Sqrt(v / (1 - MathF.Pow(beta2, t))) + epsilon);
}
