namespace OdeOpt.Optimizers;

/// <summary>
/// The classical fourth-order Runge–Kutta method (Kutta 1901) on the gradient flow theta' = -grad L(theta).
/// </summary>
/// <remarks>
/// <code>
/// k1 = -grad L(theta_n), k2 = -grad L(theta_n + h/2 k1), k3 = -grad L(theta_n + h/2 k2), k4 = -grad L(theta_n + h k3)
/// theta_{n+1} = theta_n + h/6 (k1 + 2 k2 + 2 k3 + k4)
/// </code>
/// <para>Tableau A = [0 0 0 0; 1/2 0 0 0; 0 1/2 0 0; 0 0 1 0], b = (1/6, 1/3, 1/3, 1/6). R(z) = 1 + z + z^2/2 + z^3/6 + z^4/24:
/// stable for h L &lt;= 2.7853. Four gradients per step; two state arrays between passes. Order 4.</para>
/// </remarks>
[Optimizer("gradient-flow-rk4", Order = 4, Ode = typeof(GradientFlowOde))]
[ExplicitTableau("0 0 0 0; 1/2 0 0 0; 0 1/2 0 0; 0 0 1 0", B = "1/6 1/3 1/3 1/6")]
public partial class GradientFlowRk4;
