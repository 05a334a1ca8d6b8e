namespace OdeOpt.Optimizers;

/// <summary>
/// Third-order IMEX Adam: the bias-corrected Adam ODE of <see cref="Adam"/> under the ARS(2,3,3) pair (Ascher, Ruuth,
/// Spiteri, "Implicit-explicit Runge–Kutta methods for time-dependent partial differential equations", Appl. Numer. Math.
/// 25, 1997, sec. 2.7), in the spirit of the higher-order IMEX Adam variants of Bhattacharjee, Popov, Sarshar, Sandu
/// (arXiv 2403.13704).
/// </summary>
/// <remarks>
/// <code>
/// gamma = (3 + sqrt(3)) / 6
/// explicit A = [0 0 0; gamma 0 0; gamma-1 2(1-gamma) 0],   b = (0, 1/2, 1/2)
/// implicit A = [0 0 0; 0 gamma 0; 0 1-2gamma gamma],        b = (0, 1/2, 1/2)
/// </code>
/// <para>m and v explicit, theta implicit (its right-hand side reads only m and v, so each diagonal solve is direct).
/// All three explicit stages feed later stages or the weights and each reads the gradient at its own point: three
/// gradients per step. Order 3 (the coupling conditions hold to 1e-12 on the 30-digit coefficients); measured order 3 on
/// the unbiased Adam ODE (tests). The implicit part is A-stable.</para>
/// <para>The explicit weight gamma - 1 of stage 3 is negative, so the stage value of v can dip below zero when the
/// gradient shrinks quickly (v is not a step of the original recurrence there); the square root reads max(v, 0), which is
/// the ODE itself wherever v &gt;= 0 and keeps theta finite.</para>
/// </remarks>
[Optimizer("imex-ars233-adam", Order = 3, Ode = typeof(AdamOde))]
[ImexScheme(ImexSchemes.Ars233)]
public partial class ImexArs233Adam;
