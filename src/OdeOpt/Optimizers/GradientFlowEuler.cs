namespace OdeOpt.Optimizers;

/// <summary>
/// Forward Euler on the gradient flow theta' = -grad L(theta): plain gradient descent, theta_{n+1} = theta_n - h g_n
/// (Cauchy 1847; as an ODE discretization, e.g. the momentum-methods lecture notes and Hairer, Nørsett, Wanner,
/// Solving ODEs I).
/// </summary>
/// <remarks>
/// <para>Tableau A = [0], b = (1). Stability function R(z) = 1 + z: on an L-smooth convex loss the step must satisfy
/// h L &lt;= 2 (|1 + h lambda| &lt;= 1). One gradient per step; no state array. Order 1.</para>
/// </remarks>
[Optimizer("gradient-flow-euler", Order = 1, Ode = typeof(GradientFlowOde))]
[ExplicitTableau("0", B = "1")]
public partial class GradientFlowEuler;
