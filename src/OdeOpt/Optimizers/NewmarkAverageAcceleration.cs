namespace OdeOpt.Optimizers;

/// <summary>
/// Newmark's average-acceleration scheme (beta = 1/4, gamma_N = 1/2; Newmark, J. Eng. Mech. Div. 85, 1959) on Newton's
/// second law with linear damping, theta'' = -grad L(theta) - gamma theta', in predictor–corrector form: the end-of-step
/// acceleration is evaluated at the explicit central-difference predictor, because OdeOpt never treats the gradient
/// implicitly.
/// </summary>
/// <remarks>
/// <para>Newmark's scheme is</para>
/// <code>
/// theta_{n+1} = theta_n + h u_n + h^2 ((1/2 - beta) a_n + beta a_{n+1}),   u_{n+1} = u_n + h ((1 - gamma_N) a_n + gamma_N a_{n+1})
/// </code>
/// <para>with a_{n+1} = -grad L(theta_{n+1}) - gamma u_{n+1}: for beta &gt; 0 the gradient at theta_{n+1} is needed to
/// compute theta_{n+1} itself, an implicit equation in the gradient that OdeOpt does not solve. What is implemented is
/// one predictor–corrector sweep (the usual explicit form in structural dynamics, cf. Hughes &amp; Liu, "Implicit-explicit
/// finite elements in transient analysis", J. Appl. Mech. 45, 1978): predict with beta = 0,</para>
/// <code>
/// a_n = -grad L(theta_n) - gamma u_n,   theta~ = theta_n + h u_n + h^2/2 a_n,   u~ = u_n + h a_n,
/// a~  = -grad L(theta~) - gamma u~
/// theta_{n+1} = theta_n + h u_n + h^2/4 (a_n + a~),   u_{n+1} = u_n + h/2 (a_n + a~)
/// </code>
/// <para>As a four-stage pair on theta' = u (implicit part) and u' = -grad L - gamma u (explicit part):</para>
/// <code>
/// explicit A = [0 0 0 0; 1/2 0 0 0; 1 0 0 0; 1/4 0 1/4 0], b = (1/2, 0, 1/2, 0)
/// implicit A = [0 0 0 0; 1/2 0 0 0; 0 1 0 0; 0 0 0 1/2],    b = (0, 0, 0, 1)
/// </code>
/// <para>Stage 3 is the predictor (gradient), stage 4 the averaged velocity u_n + h/4 (a_n + a~) that moves theta. The
/// predictor is not theta_{n+1}, so nothing is reused: two gradients per step. Order 2. Unlike implicit Newmark it is
/// only conditionally stable; <see cref="VelocityVerlet"/> is the beta = 0 member (one gradient per step).</para>
/// </remarks>
[Optimizer("newmark-average-acceleration", Order = 2, Ode = typeof(NewtonOde))]
[ExplicitTableau("0 0 0 0; 1/2 0 0 0; 1 0 0 0; 1/4 0 1/4 0", B = "1/2 0 1/2 0")]
[ImplicitTableau("0 0 0 0; 1/2 0 0 0; 0 1 0 0; 0 0 0 1/2", B = "0 0 0 1")]
public partial class NewmarkAverageAcceleration;
