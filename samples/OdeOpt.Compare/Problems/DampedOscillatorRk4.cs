namespace OdeOpt.Compare.Problems;

/// <summary>
/// The damped harmonic oscillator x'' + A x' + B x = 0 of Nakerst et al. eq. (7), integrated by OdeOpt itself: classical
/// RK4 on the first-order system x' = u, u' = -g - A u, where the caller's "gradient" is g = B x (the gradient of
/// B x^2 / 2). Used for Fig. 2(b): the three ODEs (9), (10), (11) are this equation with their own A and B.
/// </summary>
/// <remarks>The parameter buffer holds x; u starts at <see cref="InitialVelocity"/> (set at the first step).</remarks>
[Optimizer("compare-damped-oscillator-rk4", Order = 4)]
[ExplicitTableau("0 0 0 0; 1/2 0 0 0; 0 1/2 0 0; 0 0 1 0", B = "1/6 1/3 1/3 1/6")]
public partial class DampedOscillatorRk4
{
    /// <summary>The time step h.</summary>
    [Hyperparameter(Min = 0), StepSize] public float TimeStep { get; set; } = 0.01f;

    /// <summary>The damping A of eq. (7).</summary>
    [Hyperparameter] public float Damping { get; set; }

    /// <summary>x'(0).</summary>
    [Hyperparameter] public float InitialVelocity { get; set; }

    [Initial("u")] private static float U0(float initialVelocity) => initialVelocity;

    [Explicit("theta")] private static float Theta(float u) => u;

    [Explicit("u")] private static float U(float g, float u, float damping) => -g - damping * u;
}
