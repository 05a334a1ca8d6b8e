using System;

namespace OdeOpt.Tests;

// Adam (torch's update, no weight decay or AMSGrad) declared twice: with m and v stored as bfloat16, and as float32.

/// <summary>Adam with bfloat16 first and second moments: 20 bytes per parameter per step instead of 28.</summary>
[Optimizer("test-adam-bf16-states", Order = 1)]
[ExplicitTableau("0 0; 1 0", B = "1 0")]
[ImplicitTableau("0 0; 0 1", B = "0 1")]
[StateStorage("m", StateStorage.BFloat16)]
[StateStorage("v", StateStorage.BFloat16)]
public partial class AdamBFloat16States
{
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1e-3f;
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta1 { get; set; } = 0.9f;
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta2 { get; set; } = 0.999f;
    [Hyperparameter(Min = 0)] public float Epsilon { get; set; } = 1e-8f;

    [Explicit("m")] static float M(float g, float m, float beta1, float h) => (1 - beta1) / h * (g - m);
    [Explicit("v")] static float V(float g, float v, float beta2, float h) => (1 - beta2) / h * (g * g - v);
    [Implicit("theta")] static float Theta(float m, float v, float beta1, float beta2, float epsilon, int t) =>
        -(m / (1 - MathF.Pow(beta1, t))) / (MathF.Sqrt(v / (1 - MathF.Pow(beta2, t))) + epsilon);
}

/// <summary>The same declaration with float32 states.</summary>
[Optimizer("test-adam-float-states", Order = 1)]
[ExplicitTableau("0 0; 1 0", B = "1 0")]
[ImplicitTableau("0 0; 0 1", B = "0 1")]
public partial class AdamFloatStates
{
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1e-3f;
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta1 { get; set; } = 0.9f;
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta2 { get; set; } = 0.999f;
    [Hyperparameter(Min = 0)] public float Epsilon { get; set; } = 1e-8f;

    [Explicit("m")] static float M(float g, float m, float beta1, float h) => (1 - beta1) / h * (g - m);
    [Explicit("v")] static float V(float g, float v, float beta2, float h) => (1 - beta2) / h * (g * g - v);
    [Implicit("theta")] static float Theta(float m, float v, float beta1, float beta2, float epsilon, int t) =>
        -(m / (1 - MathF.Pow(beta1, t))) / (MathF.Sqrt(v / (1 - MathF.Pow(beta2, t))) + epsilon);
}
