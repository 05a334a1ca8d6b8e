using System;

namespace OdeOpt.Optimizers;

/// <summary>
/// The bias-corrected Adam ODE, declared once and discretised by the IMEX Adam family (Bhattacharjee, Popov, Sarshar,
/// Sandu, arXiv 2403.13704): <see cref="ImexTrapezoidalAdam"/>, <see cref="ImexMidpointAdam"/>,
/// <see cref="ImexArs233Adam"/>, and any pair a user names (<c>[Optimizer("my-adam", Ode = typeof(AdamOde))]</c>).
/// </summary>
/// <remarks>
/// <code>
/// m'     = (1 - beta1)/h (g - m)                                   explicit
/// v'     = (1 - beta2)/h (g^2 - v)                                 explicit
/// theta' = -(m / (1 - beta1^t)) / (sqrt(max(v, 0) / (1 - beta2^t)) + eps)   implicit (it reads no gradient)
/// </code>
/// <para>Under IMEX Euler this is torch.optim.Adam (<see cref="Adam"/>). The guard <c>max(v, 0)</c> matters only under
/// pairs with negative explicit coefficients (ARS(2,3,3) has gamma - 1 &lt; 0), where a stage value of v can fall below 0
/// although the exact v cannot; elsewhere v &gt;= 0 at every stage and the guard changes nothing (the trapezoidal and
/// midpoint members carried no guard before and give the same numbers with it).</para>
/// </remarks>
[Ode]
[Condition("3 + beta2 > 4 * beta1", Reference = "Belotto da Silva & Gazeau, JMLR 21(129), 2020: convergence of the Adam ODE")]
public abstract class AdamOde
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
