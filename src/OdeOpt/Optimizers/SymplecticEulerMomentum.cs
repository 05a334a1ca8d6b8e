namespace OdeOpt.Optimizers;

/// <summary>
/// Symplectic (semi-implicit) Euler on Newton's second law with linear damping, theta'' = -grad L(theta) - gamma theta':
/// "the" momentum method of machine learning (Polyak's heavy ball; Qian, Neural Networks 12, 1999).
/// </summary>
/// <remarks>
/// <code>
/// u_{n+1}     = u_n - h (grad L(theta_n) + gamma u_n)
/// theta_{n+1} = theta_n + h u_{n+1}
/// </code>
/// <para>IMEX Euler: u' = -grad L - gamma u explicit, theta' = u implicit (it takes the new velocity). With m = h u this is
/// heavy ball m_{n+1} = beta m_n - eta grad L, theta_{n+1} = theta_n + m_{n+1} with beta = 1 - h gamma and eta = h^2; on
/// L = k theta^2 / 2 it is stable for 0 &lt; h^2 k &lt; 2 (2 - h gamma) and |1 - h gamma| &lt; 1. One gradient per step; one
/// state array. Order 1.</para>
/// </remarks>
[Optimizer("symplectic-euler-momentum", Order = 1, Ode = typeof(NewtonOde))]
[ImexScheme(ImexSchemes.Euler)]
public partial class SymplecticEulerMomentum;
