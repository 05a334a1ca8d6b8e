namespace OdeOpt.Optimizers;

/// <summary>
/// Backward Euler on the gradient flow: theta_{n+1} = theta_n - h grad L(theta_{n+1}), the proximal point step
/// argmin_x L(x) + ||x - theta_n||^2 / (2h) (implicit SGD; the momentum-methods lecture, slides "Backward (Implicit)
/// Euler" and "Implicit Stochastic Gradient Descent (ISGD)").
/// </summary>
/// <remarks>
/// <para>Stability function R(z) = 1 / (1 - z): L-stable, so on a convex quadratic every h &gt; 0 contracts, where forward
/// Euler needs h &lt; 2/L. The step is the fixed point theta = theta_n - h g(theta): one gradient per iteration, Anderson
/// acceleration with memory SolverMemory, stopped at SolverTolerance or SolverMaxIterations (NonConvergence says what
/// then). Order 1.</para>
/// </remarks>
[Optimizer("backward-euler-gradient-flow", Order = 1, Ode = typeof(ImplicitGradientFlowOde))]
[ExplicitTableau("0", B = "1")]
[ImplicitTableau("1", B = "1")]
public partial class BackwardEulerGradientFlow;
