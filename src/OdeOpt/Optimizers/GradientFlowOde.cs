namespace OdeOpt.Optimizers;

/// <summary>
/// The gradient flow theta' = -grad L(theta), declared once and discretised by <see cref="GradientFlowEuler"/> (gradient
/// descent), <see cref="GradientFlowHeun"/>, <see cref="GradientFlowTvdRk3"/> and <see cref="GradientFlowRk4"/>.
/// </summary>
[Ode]
public abstract class GradientFlowOde
{
    /// <summary>The step size h (default 1e-2).</summary>
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1e-2f;

    [Explicit("theta")] private static float Theta(float g) => -g;
}
