using OdeOpt.Optimizers;

namespace OdeOpt.Tests;

// torch's Adam (the Adam ODE under IMEX Euler) declared twice: with m and v stored as bfloat16, and as float32.

/// <summary>Adam with bfloat16 first and second moments: 20 bytes per parameter per step instead of 28.</summary>
[Optimizer("test-adam-bf16-states", Order = 1, Ode = typeof(AdamOde))]
[ImexScheme(ImexSchemes.Euler)]
[StateStorage("m", StateStorage.BFloat16)]
[StateStorage("v", StateStorage.BFloat16)]
public partial class AdamBFloat16States;

/// <summary>The same declaration with float32 states.</summary>
[Optimizer("test-adam-float-states", Order = 1, Ode = typeof(AdamOde))]
[ImexScheme(ImexSchemes.Euler)]
public partial class AdamFloatStates;

/// <summary>Adam with a binary16 first moment (11 significant bits, |m| at most max |g|) and a bfloat16 second moment
/// (whose g^2 values need bfloat16's range): 20 bytes per parameter per step.</summary>
[Optimizer("test-adam-half-m-bf16-v", Order = 1, Ode = typeof(AdamOde))]
[ImexScheme(ImexSchemes.Euler)]
[StateStorage("m", StateStorage.Half)]
[StateStorage("v", StateStorage.BFloat16)]
public partial class AdamHalfFirstMoment;

/// <summary>Adam over bfloat16 parameters and gradients (theta rounded stochastically) with bfloat16 m and v: 14 bytes
/// per parameter per step on bfloat16 buffers, 20 on float32 ones.</summary>
[Optimizer("test-adam-bf16-everything", Order = 1, Ode = typeof(AdamOde))]
[ImexScheme(ImexSchemes.Euler)]
[ParameterStorage(StateStorage.BFloat16)]
[StateStorage("m", StateStorage.BFloat16)]
[StateStorage("v", StateStorage.BFloat16)]
public partial class AdamBFloat16Everything;

/// <summary>torch's Adam with its flags (weight decay, AMSGrad, maximize) over bfloat16 parameters and gradients, float32 states.</summary>
[Optimizer("test-torch-adam-bf16-parameters", Order = 1)]
[ExplicitTableau("0 0; 1 0", B = "1 0")]
[ImplicitTableau("0 0; 0 1", B = "0 1")]
[ParameterStorage(StateStorage.BFloat16)]
public partial class TorchAdamBFloat16Parameters
{
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1e-3f;
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta1 { get; set; } = 0.9f;
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta2 { get; set; } = 0.999f;
    [Hyperparameter(Min = 0)] public float Epsilon { get; set; } = 1e-8f;
    [Hyperparameter(Min = 0)] public float WeightDecay { get; set; }
    [Hyperparameter] public bool Amsgrad { get; set; }

    [Let("d")] static float D(float g, float theta, float weightDecay) => g + (weightDecay != 0 ? weightDecay * theta : 0);
    [Explicit("m")] static float M(float d, float m, float beta1, float h) => (1 - beta1) / h * (d - m);
    [Explicit("v")] static float V(float d, float v, float beta2, float h) => (1 - beta2) / h * (d * d - v);
    [Explicit("vmax")]
    static float VMax(float d, float v, float vmax, float beta2, bool amsgrad, float h) =>
        amsgrad ? (System.MathF.Max(vmax, beta2 * v + (1 - beta2) * d * d) - vmax) / h : 0;
    [Implicit("theta")]
    static float Theta(float m, float v, float vmax, float beta1, float beta2, float epsilon, bool amsgrad, int t) =>
        -(m / (1 - System.MathF.Pow(beta1, t))) / (System.MathF.Sqrt((amsgrad ? vmax : v) / (1 - System.MathF.Pow(beta2, t))) + epsilon);
}
