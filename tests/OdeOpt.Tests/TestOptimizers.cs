using System;

namespace OdeOpt.Tests;

// Optimizers declared by the tests themselves: they go through the same generator as the built-ins.

/// <summary>The unbiased Adam ODE m' = a1 (g - m), v' = a2 (g^2 - v), theta' = -m / (sqrt(v) + eps),
/// m(0) = g0, v(0) = g0^2, declared once and discretised by the four optimizers below.</summary>
[Ode]
public abstract class UnbiasedAdamOde
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

/// <summary>The unbiased Adam ODE under IMEX Euler.</summary>
[Optimizer("test-unbiased-adam-euler", Ode = typeof(UnbiasedAdamOde))]
[ImexScheme(ImexSchemes.Euler)]
public partial class UnbiasedAdamEuler;

/// <summary>The same ODE under the IMEX trapezoidal pair.</summary>
[Optimizer("test-unbiased-adam-trapezoidal", Ode = typeof(UnbiasedAdamOde))]
[ImexScheme(ImexSchemes.Trapezoidal)]
public partial class UnbiasedAdamTrapezoidal;

/// <summary>The unbiased Adam ODE under the IMEX midpoint pair.</summary>
[Optimizer("test-unbiased-adam-midpoint", Ode = typeof(UnbiasedAdamOde))]
[ImexScheme(ImexSchemes.Midpoint)]
public partial class UnbiasedAdamMidpoint;

/// <summary>The unbiased Adam ODE under ARS(2,3,3).</summary>
[Optimizer("test-unbiased-adam-ars233", Ode = typeof(UnbiasedAdamOde))]
[ImexScheme(ImexSchemes.Ars233)]
public partial class UnbiasedAdamArs233;

/// <summary>Classical RK4 on the gradient flow theta' = -g: four gradients per step.</summary>
[Optimizer("test-rk4-gradient-flow", Order = 4)]
[ExplicitTableau("0 0 0 0; 1/2 0 0 0; 0 1/2 0 0; 0 0 1 0", B = "1/6 1/3 1/3 1/6")]
public partial class Rk4GradientFlow
{
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 0.1f;

    [Explicit("theta")] static float Theta(float g) => -g;
}

/// <summary>Heavy ball with a look-ahead gradient (Nakerst et al.): m_{i} = mu m_{i-1} - eta grad L(theta_i + sigma m_{i-1}),
/// theta_{i+1} = theta_i + m_i. Symplectic (IMEX) Euler with h = 1.</summary>
[Optimizer("test-look-ahead-momentum")]
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

/// <summary>Backward Euler on a linear damping term: m' = -gamma m (implicit, affine in m) + g (explicit), theta' = -m.
/// Exercises the closed-form implicit solve m_{n+1} = (m_n + h g) / (1 + h gamma).</summary>
[Optimizer("test-damped-momentum")]
[ImexScheme(ImexSchemes.Euler)]
public partial class DampedMomentum
{
    [Hyperparameter(Min = 0), StepSize] public float H { get; set; } = 0.1f;
    [Hyperparameter(Min = 0)] public float Gamma { get; set; } = 3f;

    [Explicit("m")] static float MExplicit(float g) => g;
    [Implicit("m")] static float MImplicit(float m, float gamma) => -gamma * m;
    [Implicit("theta")] static float Theta(float m) => -m;
}

/// <summary>torch.optim.SGD with momentum: b_1 = g_1, b_t = mu b_{t-1} + g_t, theta -= lr b_t. The first-step rule is a
/// condition on t (a uniform condition inside the element loop).</summary>
[Optimizer("test-torch-momentum")]
[ImexScheme(ImexSchemes.Euler)]
public partial class TorchMomentum
{
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 0.05f;
    [Hyperparameter(Min = 0)] public float Momentum { get; set; } = 0.9f;

    [Explicit("b")] static float B(float g, float b, float momentum, float h, int t) => (t == 1 ? g - b : (momentum - 1) * b + g) / h;
    [Implicit("theta")] static float Theta(float b) => -b;
}

/// <summary>Exercises the language extensions: a step scalar s_t = rho s_{t-1} + t (reading a hyperparameter and t) and a
/// flag. theta' = -(flip ? -1 : 1) s g with forward Euler: theta_t = theta_{t-1} - h (flip ? -1 : 1) s_t g.</summary>
[Optimizer("test-step-scalar")]
[ExplicitTableau("0", B = "1")]
public partial class StepScalarProbe
{
    [Hyperparameter(Min = 0), StepSize] public float H { get; set; } = 0.01f;
    [Hyperparameter(Min = 0, Max = 1)] public float Rho { get; set; } = 0.5f;
    [Hyperparameter] public bool Flip { get; set; }

    [StepScalar("s", Initial = 2)] static float S(float s, float rho, int t) => rho * s + t;

    [Explicit("theta")] static float Theta(float g, float s, bool flip) => -(flip ? -1 : 1) * s * g;
}
