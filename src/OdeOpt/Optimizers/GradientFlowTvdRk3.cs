namespace OdeOpt.Optimizers;

/// <summary>
/// The third-order TVD (strong-stability-preserving) Runge–Kutta method of Shu &amp; Osher ("Efficient implementation of
/// essentially non-oscillatory shock-capturing schemes", J. Comput. Phys. 77, 1988) on the gradient flow
/// theta' = -grad L(theta).
/// </summary>
/// <remarks>
/// <code>
/// y1 = theta_n + h F(theta_n),   y2 = 3/4 theta_n + 1/4 (y1 + h F(y1)),   theta_{n+1} = 1/3 theta_n + 2/3 (y2 + h F(y2))
/// </code>
/// <para>with F = -grad L; as a Butcher tableau A = [0 0 0; 1 0 0; 1/4 1/4 0], b = (1/6, 1/6, 2/3). Every stage is a convex
/// combination of forward-Euler steps. R(z) = 1 + z + z^2/2 + z^3/6: stable for h L &lt;= 2.5127. Three gradients per step.
/// Order 3.</para>
/// </remarks>
[Optimizer("gradient-flow-tvd-rk3", Order = 3, Ode = typeof(GradientFlowOde))]
[ExplicitTableau("0 0 0; 1 0 0; 1/4 1/4 0", B = "1/6 1/6 2/3")]
public partial class GradientFlowTvdRk3;
