namespace OdeOpt.Optimizers;

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
