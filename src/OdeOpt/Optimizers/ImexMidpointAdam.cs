namespace OdeOpt.Optimizers;

/// <summary>
/// Second-order IMEX-midpoint Adam (Bhattacharjee, Popov, Sarshar, Sandu, arXiv 2403.13704; the explicit/implicit midpoint
/// pair of Ascher, Ruuth, Spiteri, Appl. Numer. Math. 25, 1997): the bias-corrected Adam ODE of <see cref="Adam"/> with the
/// explicit midpoint rule for m, v and the implicit midpoint rule for theta.
/// </summary>
/// <remarks>
/// <code>
/// explicit A = [0 0; 1/2 0], b = (0, 1)          implicit A = [0 0; 0 1/2], b = (0, 1)
/// m~ = m_n + h/2 E_m(g_1, m_n),   v~ likewise,   theta~ = theta_n + h/2 I_theta(m~, v~),   g~ = grad L(theta~)
/// m_{n+1} = m_n + h E_m(g~, m~),  v_{n+1} likewise,  theta_{n+1} = theta_n + h I_theta(m~, v~)
/// </code>
/// <para>The second gradient sits at the half step, not at theta_{n+1}: two gradients per step. Order 2 (coupling conditions
/// included); measured order 2 on the unbiased Adam ODE (tests).</para>
/// </remarks>
[Optimizer("imex-midpoint-adam", Order = 2, Ode = typeof(AdamOde))]
[ImexScheme(ImexSchemes.Midpoint)]
public partial class ImexMidpointAdam;
