namespace OdeOpt.Optimizers;

/// <summary>
/// Nesterov's accelerated gradient in the momentum form of Sutskever, Martens, Dahl, Hinton ("On the importance of
/// initialization and momentum in deep learning", ICML 2013): the gradient is taken at the look-ahead point
/// theta + g m, as in Nakerst, Brennan, Haque (arXiv 2001.06472) with sigma = g.
/// </summary>
/// <remarks>
/// <code>
/// m_i         = g m_{i-1} - eta grad L(theta_i + g m_{i-1})          (m_0 = 0)
/// theta_{i+1} = theta_i + m_i
/// </code>
/// <para>IMEX Euler with h = 1 and <c>[GradientAt("theta + momentum * m")]</c>: the parameter buffer holds the look-ahead
/// point, so there is one gradient per step and no extra evaluation; <see cref="IOptimizer.GetIterate"/> returns theta.
/// It is <see cref="SuperAcceleratedMomentum"/> with sigma = g.</para>
/// </remarks>
[Optimizer("nesterov-momentum", Order = 1)]
[ImexScheme(ImexSchemes.Euler)]
[GradientAt("theta + momentum * m")]
public partial class NesterovMomentum
{
    /// <summary>The learning rate eta (default 1e-2).</summary>
    [Hyperparameter(Min = 0)] public float LearningRate { get; set; } = 1e-2f;

    /// <summary>The momentum g, also the look-ahead distance (default 0.9).</summary>
    [Hyperparameter(Min = 0, Max = 1)] public float Momentum { get; set; } = 0.9f;

    [Explicit("m")] private static float M(float g, float m, float momentum, float learningRate) => (momentum - 1) * m - learningRate * g;

    [Implicit("theta")] private static float Theta(float m) => m;
}
