namespace OdeOpt.Optimizers;

/// <summary>
/// Backward Euler on the damped Newton system, the implicit variant of <see cref="NewtonEuler"/>:
/// u_{n+1} = u_n - h (grad L(theta_{n+1}) + gamma u_{n+1}), theta_{n+1} = theta_n + h u_{n+1}, solved jointly in
/// (theta, u) by Anderson-accelerated fixed-point iteration.
/// </summary>
/// <remarks>
/// <para>L-stable for every h and gamma on a convex quadratic (the eigenvalues of the step are those of backward Euler
/// on the damped oscillator). Order 1.</para>
/// </remarks>
[Optimizer("implicit-damped-newton", Order = 1, Ode = typeof(ImplicitNewtonOde))]
[ExplicitTableau("0", B = "1")]
[ImplicitTableau("1", B = "1")]
public partial class ImplicitDampedNewton;
