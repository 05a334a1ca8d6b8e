using System;
using OdeOpt;

namespace CustomOptimizer;

/// <summary>
/// Adam under the IMEX midpoint pair: explicit midpoint for the moments, implicit midpoint for theta.
/// Not built into OdeOpt: declared here, in user code, and compiled by the same generator.
/// </summary>
/// <remarks>
/// Explicit A = [0 0; 1/2 0], b = (0, 1); implicit A = [0 0; 0 1/2], b = (0, 1). Stage 2 sits at the half step,
/// so both stages need a gradient: two gradient evaluations per step, second order.
/// </remarks>
[Optimizer("imex-midpoint-adam", Order = 2)]
[ExplicitTableau("0 0; 1/2 0", B = "0 1")]
[ImplicitTableau("0 0; 0 1/2", B = "0 1")]
public partial class ImexMidpointAdam
{
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1e-3f;
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta1 { get; set; } = 0.9f;
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta2 { get; set; } = 0.999f;
    [Hyperparameter(Min = 0)] public float Epsilon { get; set; } = 1e-8f;

    [Explicit("m")] static float M(float g, float m, float beta1, float h) => (1 - beta1) / h * (g - m);
    [Explicit("v")] static float V(float g, float v, float beta2, float h) => (1 - beta2) / h * (g * g - v);

    [Implicit("theta")]
    static float Theta(float m, float v, float beta1, float beta2, float epsilon, int t) =>
        -(m / (1 - MathF.Pow(beta1, t))) / (MathF.Sqrt(v / (1 - MathF.Pow(beta2, t))) + epsilon);
}
