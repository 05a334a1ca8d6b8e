using System;

namespace OdeOpt.Gpu.Tests;

// Optimizers declared in this project: their GPU forms come from the same compilation (the built-ins' come from
// OdeOpt's plan metadata, compiled into OdeOpt.Gpu). Together they reach every kind of pass the planner makes.

/// <summary>torch.optim.SGD with momentum: b_1 = g_1, b_t = mu b_{t-1} + g_t, theta -= lr b_t (b explicit, theta implicit).</summary>
[Optimizer("gpu-test-torch-momentum")]
[ImexScheme(ImexSchemes.Euler)]
public partial class TorchMomentum
{
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 0.05f;
    [Hyperparameter(Min = 0)] public float Momentum { get; set; } = 0.9f;

    [Explicit("b")] static float B(float g, float b, float momentum, float h, int t) => (t == 1 ? g - b : (momentum - 1) * b + g) / h;
    [Implicit("theta")] static float Theta(float b) => -b;
}

/// <summary>Classical RK4 on the gradient flow: four gradients per step (the closure form).</summary>
[Optimizer("gpu-test-rk4", Order = 4)]
[ExplicitTableau("0 0 0 0; 1/2 0 0 0; 0 1/2 0 0; 0 0 1 0", B = "1/6 1/3 1/3 1/6")]
public partial class Rk4GradientFlow
{
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 0.1f;

    [Explicit("theta")] static float Theta(float g) => -g;
}

/// <summary>IMEX midpoint Adam (unbiased): two gradients per step, the second at the half step.</summary>
[Optimizer("gpu-test-imex-midpoint-adam")]
[ImexScheme(ImexSchemes.Midpoint)]
public partial class ImexMidpointAdam
{
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 0.05f;
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta1 { get; set; } = 0.9f;
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta2 { get; set; } = 0.999f;
    [Hyperparameter(Min = 0)] public float Epsilon { get; set; } = 1e-8f;

    [Explicit("m")] static float M(float g, float m, float beta1, float h) => (1 - beta1) / h * (g - m);
    [Explicit("v")] static float V(float g, float v, float beta2, float h) => (1 - beta2) / h * (g * g - v);
    [Implicit("theta")] static float Theta(float m, float v, float epsilon) => -m / (MathF.Sqrt(v) + epsilon);
}

/// <summary>Heavy ball with a look-ahead gradient (Nakerst et al.): the parameter buffer holds theta + sigma m, so
/// GetIterate runs a recovery kernel.</summary>
[Optimizer("gpu-test-look-ahead-momentum")]
[ImexScheme(ImexSchemes.Euler)]
[GradientAt("theta + sigma * m")]
public partial class LookAheadMomentum
{
    [Hyperparameter(Min = 0)] public float Eta { get; set; } = 0.01f;
    [Hyperparameter(Min = 0, Max = 1)] public float Mu { get; set; } = 0.9f;
    [Hyperparameter] public float Sigma { get; set; } = 2f;

    [Explicit("m")] static float M(float g, float m, float mu, float eta) => (mu - 1) * m - eta * g;
    [Implicit("theta")] static float Theta(float m) => m;
}

/// <summary>The unbiased Adam ODE under the IMEX trapezoidal pair with [Initial] values: an initialisation pass and a
/// pipelined (first-same-as-last) cycle.</summary>
[Optimizer("gpu-test-unbiased-adam-trapezoidal")]
[ImexScheme(ImexSchemes.Trapezoidal)]
public partial class UnbiasedAdamTrapezoidal
{
    [Hyperparameter(Min = 0), StepSize] public float H { get; set; } = 0.1f;
    [Hyperparameter(Min = 0)] public float A1 { get; set; } = 1f;
    [Hyperparameter(Min = 0)] public float A2 { get; set; } = 2f;
    [Hyperparameter(Min = 0)] public float Eps { get; set; } = 1e-8f;

    [Explicit("m")] static float M(float g, float m, float a1) => a1 * (g - m);
    [Explicit("v")] static float V(float g, float v, float a2) => a2 * (g * g - v);
    [Implicit("theta")] static float Theta(float m, float v, float eps) => -m / (MathF.Sqrt(v) + eps);
    [Initial("m")] static float M0(float g) => g;
    [Initial("v")] static float V0(float g) => g * g;
}

/// <summary>Per-element math the GPU path maps specially: Max/Min (NaN-propagating), Sign, Abs, a condition kept as a
/// boolean local, and a fused multiply-add.</summary>
[Optimizer("gpu-test-clipped-sign-momentum")]
[ImexScheme(ImexSchemes.Euler)]
public partial class ClippedSignMomentum
{
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 0.01f;
    [Hyperparameter(Min = 0, Max = 1)] public float Beta { get; set; } = 0.8f;
    [Hyperparameter(Min = 0)] public float Limit { get; set; } = 0.5f;

    [Explicit("m")]
    static float M(float g, float m, float beta, float limit, float h)
    {
        float clipped = MathF.Max(-limit, MathF.Min(limit, g));
        float target = MathF.Abs(g) > limit && m * g >= 0 ? clipped : MathF.FusedMultiplyAdd(0.5f, g, 0.5f * clipped);
        return (1 - beta) / h * (target - m);
    }

    [Implicit("theta")] static float Theta(float m) => -(MathF.Sign(m) * 0.5f + m);
}

/// <summary>Reductions in a same-compilation GPU form: m' = a (g - m) and theta' = -m / ||m|| - c g / max|g| under Heun
/// (two passes, a norm of a stage value and a max-abs of the stage's gradient at each stage; the undo pass).</summary>
[Optimizer("gpu-test-reductions-heun", Order = 2)]
[ExplicitTableau("0 0; 1 0", B = "1/2 1/2")]
public partial class ReductionsHeun
{
    [Hyperparameter(Min = 0), StepSize] public float H { get; set; } = 0.05f;
    [Hyperparameter(Min = 0)] public float A { get; set; } = 2f;
    [Hyperparameter] public float C { get; set; } = 0.1f;

    [Reduction("mNorm", ReductionKind.Norm)] static float MNorm(float m) => m;
    [Reduction("gMax", ReductionKind.MaxAbs)] static float GMax(float g) => g;
    [Reduction("gSum", ReductionKind.Sum)] static float GSum(float g) => g;

    [Explicit("m")] static float M(float g, float m, float a) => a * (g - m);
    [Explicit("theta")] static float Theta(float g, float m, float c, float mNorm, float gMax, float gSum) =>
        (mNorm > 0 ? -m / mNorm : 0) - (gMax > 0 ? c * g / gMax : 0) - 1e-4f * gSum;
}

/// <summary>torch's Adam (the Adam ODE under IMEX Euler) with bfloat16 m and v ([StateStorage]): 20 bytes per
/// parameter; the GPU kernels read and write 16-bit views with the CPU form's rounding.</summary>
[Optimizer("gpu-test-adam-bf16-states", Order = 1, Ode = typeof(OdeOpt.Optimizers.AdamOde))]
[ImexScheme(ImexSchemes.Euler)]
[StateStorage("m", StateStorage.BFloat16)]
[StateStorage("v", StateStorage.BFloat16)]
public partial class AdamBFloat16States;

/// <summary>The same with a binary16 first moment and a bfloat16 second moment.</summary>
[Optimizer("gpu-test-adam-half-m-bf16-v", Order = 1, Ode = typeof(OdeOpt.Optimizers.AdamOde))]
[ImexScheme(ImexSchemes.Euler)]
[StateStorage("m", StateStorage.Half)]
[StateStorage("v", StateStorage.BFloat16)]
public partial class AdamHalfFirstMoment;

/// <summary>torch's Adam with value-clipping-free flags over bfloat16 parameters and gradients (theta rounded
/// stochastically), float32 states, declared here: its GPU form comes from this compilation.</summary>
[Optimizer("gpu-test-adam-bf16-parameters", Order = 1, Ode = typeof(OdeOpt.Optimizers.AdamOde))]
[ImexScheme(ImexSchemes.Euler)]
[ParameterStorage(StateStorage.BFloat16)]
public partial class AdamBFloat16Parameters;
