namespace OdeOpt.Optimizers;

/// <summary>
/// Second-order IMEX-trapezoidal Adam (Bhattacharjee, Popov, Sarshar, Sandu, arXiv 2403.13704): the bias-corrected
/// Adam ODE of <see cref="Adam"/> integrated with the explicit trapezoidal rule (Heun) for m and v and the implicit
/// trapezoidal rule for theta.
/// </summary>
/// <remarks>
/// <para>With Y_1 = (theta_n, m_n, v_n), g_1 = grad L(theta_n):</para>
/// <code>
/// m_2 = m_n + h E_m(g_1, m_n),   v_2 = v_n + h E_v(g_1, v_n)
/// theta_{n+1} = theta_n + h/2 (I_theta(m_n, v_n) + I_theta(m_2, v_2))
/// g_2 = grad L(theta_{n+1})
/// m_{n+1} = m_n + h/2 (E_m(g_1, m_n) + E_m(g_2, m_2)),   likewise v_{n+1}
/// </code>
/// <para>The second stage's point is theta_{n+1}, so g_2 is the next step's g_1 (first same as last): one gradient
/// per step. Between calls it keeps m_2, m_n + h/2 E_m(Y_1), v_2 and v_n + h/2 E_v(Y_1): 44 bytes per parameter per
/// step. Order 2 on the unbiased Adam ODE.</para>
/// </remarks>
[Optimizer("imex-trapezoidal-adam", Order = 2, Ode = typeof(AdamOde))]
[ExplicitTableau("0 0; 1 0", B = "1/2 1/2")]
[ImplicitTableau("0 0; 1/2 1/2", B = "1/2 1/2")]
public partial class ImexTrapezoidalAdam;
