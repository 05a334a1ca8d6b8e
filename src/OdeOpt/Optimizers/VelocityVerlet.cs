namespace OdeOpt.Optimizers;

/// <summary>
/// Velocity Verlet (Swope, Andersen, Berens, Wilson, J. Chem. Phys. 76, 1982) on Newton's second law with linear damping,
/// theta'' = -grad L(theta) - gamma theta': the Newmark scheme with beta = 0, gamma_N = 1/2 (Newmark, "A method of
/// computation for structural dynamics", J. Eng. Mech. Div. 85, 1959), equivalently staggered central differencing
/// (leapfrog) with the velocity at half steps. One gradient per step through first same as last.
/// </summary>
/// <remarks>
/// <code>
/// a_n         = -grad L(theta_n) - gamma u_n
/// u_{n+1/2}   = u_n + h/2 a_n
/// theta_{n+1} = theta_n + h u_{n+1/2}                         (= theta_n + h u_n + h^2/2 a_n, Newmark beta = 0)
/// u_{n+1}     = u_n + h/2 (a_n + a_{n+1}),   a_{n+1} = -grad L(theta_{n+1}) - gamma (u_n + h a_n)
/// </code>
/// <para>As a three-stage pair on theta' = u (implicit part) and u' = -grad L - gamma u (explicit part):</para>
/// <code>
/// explicit A = [0 0 0; 1/2 0 0; 1 0 0], b = (1/2, 0, 1/2)      implicit A = [0 0 0; 1/2 0 0; 0 1 0], b = (0, 1, 0)
/// </code>
/// <para>Stage 2 is the half-step velocity (it needs no gradient), stage 3 sits at theta_{n+1}: its gradient is the next
/// step's first (first same as last), so a step costs one gradient. Without damping this is exactly velocity Verlet;
/// with damping, the damping force at the step's end uses the Euler-predicted velocity u_n + h a_n instead of Newmark's
/// implicit u_{n+1} (Newmark's form would need theta and u on different implicit rows at stage 3), which keeps second
/// order. Order 2 (all four coupling conditions hold).</para>
/// </remarks>
[Optimizer("velocity-verlet", Order = 2, Ode = typeof(NewtonOde))]
[ExplicitTableau("0 0 0; 1/2 0 0; 1 0 0", B = "1/2 0 1/2")]
[ImplicitTableau("0 0 0; 1/2 0 0; 0 1 0", B = "0 1 0")]
public partial class VelocityVerlet;
