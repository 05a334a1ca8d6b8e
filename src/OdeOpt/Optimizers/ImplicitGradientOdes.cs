namespace OdeOpt.Optimizers;

/// <summary>
/// The gradient flow theta' = -grad L(theta) with the gradient term implicit: discretised by
/// <see cref="BackwardEulerGradientFlow"/> (implicit SGD) and <see cref="TrapezoidalGradientFlow"/>. Each implicit stage
/// is a nonlinear equation in its stage value, solved by Anderson-accelerated fixed-point iteration (docs/dsl.md,
/// "Implicit stages that read the gradient").
/// </summary>
[Ode]
public abstract class ImplicitGradientFlowOde
{
    /// <summary>The time step h (default 1).</summary>
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1f;

    [Implicit("theta")] private static float Theta(float g) => -g;
}

/// <summary>
/// Newton's second law with linear damping, u' = -grad L(theta) - gamma u, theta' = u, with every term implicit,
/// the gradient included; <see cref="ImplicitDampedNewton"/> discretises it.
/// </summary>
[Ode]
public abstract class ImplicitNewtonOde
{
    /// <summary>The time step h (default 1).</summary>
    [Hyperparameter(Min = 0), StepSize] public float TimeStep { get; set; } = 1f;

    /// <summary>The damping gamma (default 1).</summary>
    [Hyperparameter(Min = 0)] public float Damping { get; set; } = 1f;

    [Implicit("u")] private static float U(float g, float u, float damping) => -g - damping * u;

    [Implicit("theta")] private static float Theta(float u) => u;
}
