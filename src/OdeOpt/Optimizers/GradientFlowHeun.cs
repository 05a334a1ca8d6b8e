namespace OdeOpt.Optimizers;

/// <summary>
/// Heun's method (the explicit trapezoidal rule, RK2) on the gradient flow theta' = -grad L(theta).
/// </summary>
/// <remarks>
/// <code>
/// k1 = -grad L(theta_n),   k2 = -grad L(theta_n + h k1),   theta_{n+1} = theta_n + h/2 (k1 + k2)
/// </code>
/// <para>Tableau A = [0 0; 1 0], b = (1/2, 1/2). R(z) = 1 + z + z^2/2: stable for h L &lt;= 2. The second gradient is taken
/// at theta_n + h k1, not at theta_{n+1}, so it cannot be reused: two gradients per step. Order 2.</para>
/// </remarks>
[Optimizer("gradient-flow-heun", Order = 2, Ode = typeof(GradientFlowOde))]
[ExplicitTableau("0 0; 1 0", B = "1/2 1/2")]
public partial class GradientFlowHeun;
