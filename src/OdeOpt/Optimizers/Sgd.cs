namespace OdeOpt.Optimizers;

/// <summary>
/// Plain stochastic gradient descent: forward Euler on the gradient flow theta' = -grad L(theta), so
/// theta_{n+1} = theta_n - lr g_n. Stable on an L-smooth convex loss for lr &lt;= 2 / L.
/// </summary>
[Optimizer("sgd", Order = 1)]
[ExplicitTableau("0", B = "1")]
public partial class Sgd
{
    /// <summary>The learning rate, the step size h (default 1e-3).</summary>
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1e-3f;

    [Explicit("theta")] private static float Theta(float g) => -g;
}
