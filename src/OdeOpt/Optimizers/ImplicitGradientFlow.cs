namespace OdeOpt.Optimizers;

/// <summary>
/// The gradient flow theta' = -grad L(theta) with the gradient term implicit: discretised by
/// <see cref="BackwardEulerGradientFlow"/> (implicit SGD) and <see cref="TrapezoidalGradientFlow"/>. Each implicit stage
/// is a nonlinear equation in its stage value, solved by Anderson-accelerated fixed-point iteration (docs/dsl.md,
/// "Implicit stages that read the gradient").
/// </summary>
[Ode]
public abstract class ImplicitGradientFlowOde
{
    /// <summary>The time step h (default 1).</summary>
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1f;

    [Implicit("theta")] private static float Theta(float g) => -g;
}

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

/// <summary>
/// The trapezoidal rule on the gradient flow: theta_{n+1} = theta_n - h/2 (grad L(theta_n) + grad L(theta_{n+1}))
/// (the momentum-methods lecture, slide "Trapezoidal Rule").
/// </summary>
/// <remarks>
/// <para>Implicit tableau 0 0; 1/2 1/2: the first stage is explicit (the gradient at theta_n), the second a fixed point.
/// A-stable (R(z) = (1 + z/2) / (1 - z/2)) but not L-stable: very stiff components are not damped but flip sign. Order 2.</para>
/// </remarks>
[Optimizer("trapezoidal-gradient-flow", Order = 2, Ode = typeof(ImplicitGradientFlowOde))]
[ExplicitTableau("0 0; 1 0", B = "1/2 1/2")]
[ImplicitTableau("0 0; 1/2 1/2", B = "1/2 1/2")]
public partial class TrapezoidalGradientFlow;

/// <summary>
/// Newton's second law with linear damping, u' = -grad L(theta) - gamma u, theta' = u, with every term implicit,
/// the gradient included; <see cref="ImplicitDampedNewton"/> discretises it.
/// </summary>
[Ode]
public abstract class ImplicitNewtonOde
{
    /// <summary>The time step h (default 1).</summary>
    [Hyperparameter(Min = 0), StepSize] public float TimeStep { get; set; } = 1f;

    /// <summary>The damping gamma (default 1).</summary>
    [Hyperparameter(Min = 0)] public float Damping { get; set; } = 1f;

    [Implicit("u")] private static float U(float g, float u, float damping) => -g - damping * u;

    [Implicit("theta")] private static float Theta(float u) => u;
}

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
