namespace OdeOpt.Optimizers;

/// <summary>
/// Momentum with a super-accelerated look-ahead (Nakerst, Brennan, Haque, "Gradient descent with momentum — to
/// accelerate or to super-accelerate?", arXiv 2001.06472): the gradient is taken at theta + sigma m, where sigma = 0 is
/// heavy ball, sigma = g Nesterov, and sigma &gt; 1 super-acceleration.
/// </summary>
/// <remarks>
/// <code>
/// m_i         = g m_{i-1} - eta grad L(theta_i + sigma m_{i-1})          (m_0 = 0)
/// theta_{i+1} = theta_i + m_i
/// </code>
/// <para>IMEX Euler with h = 1 and <c>[GradientAt("theta + sigma * m")]</c>: one gradient per step at the look-ahead point,
/// which the parameter buffer holds; <see cref="IOptimizer.GetIterate"/> returns theta. On L = k theta^2 / 2 the fastest
/// sigma (critical damping of the continuum limit, the paper's analytic estimate) is
/// sigma* = -1 + sqrt(1 + 4 / (k eta)) - (1 - g) / (k eta); the exact discrete optimum, a double root of the iteration,
/// is -1 + 2 / sqrt(k eta) - (1 - g) / (k eta). Stable on that quadratic for sigma &lt; (1 + g) / (k eta) - 1/2 (and
/// |g - k eta sigma| &lt; 1).</para>
/// </remarks>
[Optimizer("super-accelerated-momentum", Order = 1)]
[ImexScheme(ImexSchemes.Euler)]
[GradientAt("theta + sigma * m")]
public partial class SuperAcceleratedMomentum
{
    /// <summary>The learning rate eta (default 1e-2).</summary>
    [Hyperparameter(Min = 0)] public float LearningRate { get; set; } = 1e-2f;

    /// <summary>The momentum g (default 0.9).</summary>
    [Hyperparameter(Min = 0, Max = 1)] public float Momentum { get; set; } = 0.9f;

    /// <summary>The look-ahead sigma (default 2; the paper suggests about 5 early in training and 2 later).</summary>
    [Hyperparameter] public float Sigma { get; set; } = 2f;

    [Explicit("m")] private static float M(float g, float m, float momentum, float learningRate) => (momentum - 1) * m - learningRate * g;

    [Implicit("theta")] private static float Theta(float m) => m;
}
