namespace OdeOpt.Optimizers;

/// <summary>
/// Polyak's heavy-ball momentum (Polyak, "Some methods of speeding up the convergence of iteration methods", USSR Comput.
/// Math. Math. Phys. 4(5), 1964), in the form of Nakerst, Brennan, Haque, "Gradient descent with momentum — to
/// accelerate or to super-accelerate?" (arXiv 2001.06472), eq. (2).
/// </summary>
/// <remarks>
/// <code>
/// m_i         = g m_{i-1} - eta grad L(theta_i)          (m_0 = 0)
/// theta_{i+1} = theta_i + m_i
/// </code>
/// <para>As a time integrator with h = 1 (the iteration count is time): IMEX (symplectic) Euler on m' = (g - 1) m - eta grad L
/// (explicit) and theta' = m (implicit: it takes the new m). It is <see cref="SuperAcceleratedMomentum"/> with sigma = 0.
/// One gradient per step; one state array. On L = k theta^2 / 2 it is stable for k eta &lt; 2 (1 + g).</para>
/// </remarks>
[Optimizer("heavy-ball", Order = 1)]
[ImexScheme(ImexSchemes.Euler)]
public partial class HeavyBall
{
    /// <summary>The learning rate eta (default 1e-2).</summary>
    [Hyperparameter(Min = 0)] public float LearningRate { get; set; } = 1e-2f;

    /// <summary>The momentum g (default 0.9).</summary>
    [Hyperparameter(Min = 0, Max = 1)] public float Momentum { get; set; } = 0.9f;

    [Explicit("m")] private static float M(float g, float m, float momentum, float learningRate) => (momentum - 1) * m - learningRate * g;

    [Implicit("theta")] private static float Theta(float m) => m;
}
