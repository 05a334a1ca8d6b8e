namespace OdeOpt.Optimizers;

/// <summary>
/// Newton's second law with linear damping, theta'' = -grad L(theta) - gamma theta', with the damping treated by backward
/// Euler (solved in closed form) and the gradient by forward Euler: the discretization in which Qian (Neural Networks 12,
/// 1999) and the momentum-methods lecture notes identify momentum's coefficients.
/// </summary>
/// <remarks>
/// <code>
/// u_{n+1}     = (u_n - h grad L(theta_n)) / (1 + h gamma)
/// theta_{n+1} = theta_n + h u_{n+1}
/// </code>
/// <para>IMEX Euler: u' = -grad L (explicit) - gamma u (implicit, affine in u, so the stage equation
/// U = u_n - h g - h gamma U is solved exactly), theta' = u (implicit). With m = h u this is heavy ball with
/// beta = 1 / (1 + h gamma) and eta = h^2 / (1 + h gamma): the damping never makes it unstable. One gradient per step;
/// one state array. Order 1.</para>
/// </remarks>
[Optimizer("backward-euler-damped-momentum", Order = 1, Ode = typeof(NewtonImplicitFrictionOde))]
[ImexScheme(ImexSchemes.Euler)]
public partial class BackwardEulerDampedMomentum;
