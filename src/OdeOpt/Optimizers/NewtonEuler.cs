namespace OdeOpt.Optimizers;

/// <summary>
/// Forward Euler on Newton's second law with linear damping (unit mass), theta'' = -grad L(theta) - gamma theta',
/// written as the first-order system theta' = u, u' = -grad L(theta) - gamma u (momentum as a damped particle; Qian,
/// "On the momentum term in gradient descent learning algorithms", Neural Networks 12, 1999; the momentum-methods
/// lecture notes).
/// </summary>
/// <remarks>
/// <code>
/// theta_{n+1} = theta_n + h u_n,   u_{n+1} = u_n - h (grad L(theta_n) + gamma u_n)
/// </code>
/// <para>Tableau A = [0], b = (1). The position moves with the old velocity, so this is not heavy ball: on
/// L = k theta^2 / 2 its eigenvalues are 1 + h lambda with lambda = (-gamma +- sqrt(gamma^2 - 4k)) / 2, and it is unstable
/// without damping (|1 + i h sqrt(k)| &gt; 1). One gradient per step; one state array. Order 1.</para>
/// </remarks>
[Optimizer("newton-euler", Order = 1, Ode = typeof(NewtonOde))]
[ExplicitTableau("0", B = "1")]
public partial class NewtonEuler;
