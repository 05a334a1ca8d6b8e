using System;
using OdeOpt;

namespace CustomOptimizer;

/// <summary>
/// Adam under the ARS(2,2,2) pair of Ascher, Ruuth, Spiteri (1997): a three-stage IMEX scheme whose implicit part is
/// L-stable. Not built into OdeOpt: declared here, in user code, and compiled by the same generator.
/// </summary>
/// <remarks>
/// gamma = 1 - 1/sqrt(2), delta = 1 - 1/(2 gamma). Explicit A = [0 0 0; gamma 0 0; delta 1-delta 0], b = (delta, 1-delta, 0);
/// implicit A = [0 0 0; 0 gamma 0; 0 1-gamma gamma], b = (0, 1-gamma, gamma). The generator derives that stages 1 and 2
/// need a gradient: two gradient evaluations per step, second order.
/// </remarks>
[Optimizer("ars222-adam", Order = 2)]
[ImexScheme(ImexSchemes.Ars222)]
public partial class Ars222Adam
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
