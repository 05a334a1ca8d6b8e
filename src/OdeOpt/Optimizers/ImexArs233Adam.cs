using System;

namespace OdeOpt.Optimizers;

/// <summary>
/// Third-order IMEX Adam: the bias-corrected Adam ODE of <see cref="Adam"/> under the ARS(2,3,3) pair (Ascher, Ruuth,
/// Spiteri, "Implicit-explicit Runge–Kutta methods for time-dependent partial differential equations", Appl. Numer. Math.
/// 25, 1997, sec. 2.7), in the spirit of the higher-order IMEX Adam variants of Bhattacharjee, Popov, Sarshar, Sandu
/// (arXiv 2403.13704).
/// </summary>
/// <remarks>
/// <code>
/// gamma = (3 + sqrt(3)) / 6
/// explicit A = [0 0 0; gamma 0 0; gamma-1 2(1-gamma) 0],   b = (0, 1/2, 1/2)
/// implicit A = [0 0 0; 0 gamma 0; 0 1-2gamma gamma],        b = (0, 1/2, 1/2)
/// </code>
/// <para>m and v explicit, theta implicit (its right-hand side reads only m and v, so each diagonal solve is direct).
/// All three explicit stages feed later stages or the weights and each reads the gradient at its own point: three
/// gradients per step. Order 3 (the coupling conditions hold to 1e-12 on the 30-digit coefficients); measured order 3 on
/// the unbiased Adam ODE (tests). The implicit part is A-stable.</para>
/// <para>The explicit weight gamma - 1 of stage 3 is negative, so the stage value of v can dip below zero when the
/// gradient shrinks quickly (v is not a step of the original recurrence there); the square root reads max(v, 0), which is
/// the ODE itself wherever v &gt;= 0 and keeps theta finite.</para>
/// </remarks>
[Optimizer("imex-ars233-adam", Order = 3)]
[Condition("3 + beta2 > 4 * beta1", Reference = "Belotto da Silva & Gazeau, JMLR 21(129), 2020: convergence of the Adam ODE")]
[ImexScheme(ImexSchemes.Ars233)]
public partial class ImexArs233Adam
{
    /// <summary>The learning rate, the step size h (default 1e-3).</summary>
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1e-3f;

    /// <summary>The decay rate of the first moment (default 0.9).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta1 { get; set; } = 0.9f;

    /// <summary>The decay rate of the second moment (default 0.999).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta2 { get; set; } = 0.999f;

    /// <summary>Added to the bias-corrected square root of the second moment (default 1e-8).</summary>
    [Hyperparameter(Min = 0)] public float Epsilon { get; set; } = 1e-8f;

    [Explicit("m")] private static float M(float g, float m, float beta1, float h) => (1 - beta1) / h * (g - m);

    [Explicit("v")] private static float V(float g, float v, float beta2, float h) => (1 - beta2) / h * (g * g - v);

    [Implicit("theta")]
    private static float Theta(float m, float v, float beta1, float beta2, float epsilon, int t) =>
        -(m / (1 - MathF.Pow(beta1, t))) / (MathF.Sqrt(MathF.Max(v, 0) / (1 - MathF.Pow(beta2, t))) + epsilon);
}
