namespace OdeOpt.Optimizers;

/// <summary>
/// Bogacki–Shampine 3(2) on the gradient flow with a PI step-size controller: the learning rate is the time step an ODE
/// solver chooses (the momentum-methods lecture, slide "Adaptive Time Stepping").
/// </summary>
/// <remarks>
/// <para>The third-order solution is propagated (local extrapolation) and the embedded second-order one estimates the error;
/// the last stage is the gradient at theta_{n+1}, reused as the next step's first (first same as last), so an accepted
/// step costs 3 gradients. A step whose error norm exceeds 1 is rejected, undone bit-exactly and retried with a smaller h.
/// Bogacki &amp; Shampine, Appl. Math. Lett. 2 (1989).</para>
/// </remarks>
[Optimizer("adaptive-bs3-gradient-flow", Order = 3, EmbeddedOrder = 2, StepControl = StepControl.ProportionalIntegral, Ode = typeof(GradientFlowOde))]
[ExplicitTableau("0 0 0 0; 1/2 0 0 0; 0 3/4 0 0; 2/9 1/3 4/9 0", B = "2/9 1/3 4/9 0", BHat = "7/24 1/4 1/3 1/8")]
public partial class AdaptiveBs3GradientFlow;

/// <summary>
/// Dormand–Prince 5(4) on the gradient flow with a PI step-size controller, as in DOPRI5 (Hairer, Nørsett &amp; Wanner I,
/// II.4-5): the fifth-order solution is propagated, the fourth-order one estimates the error, and the seventh stage is
/// the next step's first (first same as last), so an accepted step costs 6 gradients.
/// </summary>
[Optimizer("adaptive-dp5-gradient-flow", Order = 5, EmbeddedOrder = 4, StepControl = StepControl.ProportionalIntegral, Ode = typeof(GradientFlowOde))]
[ExplicitTableau(
    "0 0 0 0 0 0 0; 1/5 0 0 0 0 0 0; 3/40 9/40 0 0 0 0 0; 44/45 -56/15 32/9 0 0 0 0; 19372/6561 -25360/2187 64448/6561 -212/729 0 0 0; 9017/3168 -355/33 46732/5247 49/176 -5103/18656 0 0; 35/384 0 500/1113 125/192 -2187/6784 11/84 0",
    B = "35/384 0 500/1113 125/192 -2187/6784 11/84 0",
    BHat = "5179/57600 0 7571/16695 393/640 -92097/339200 187/2100 1/40")]
public partial class AdaptiveDp5GradientFlow;

/// <summary>
/// Gradient descent with backtracking (Armijo) line search: forward Euler on the gradient flow whose time step is chosen
/// each step by f(theta - h g) &lt;= f(theta) - c h ||g||^2, shrinking h by rho until it holds (Armijo, Pacific J. Math. 16,
/// 1966; Nocedal &amp; Wright, Algorithm 3.1; the momentum-methods lecture's "Gradient Flow" view of the learning rate as
/// the time step). The next step starts from the accepted h times GrowthFactor.
/// </summary>
/// <remarks>
/// <para>Needs the loss: step it with <c>Step(parameters, LossGradientFunction)</c>. Each trial costs one evaluation of
/// loss and gradient, and the gradient of the accepted trial is the next step's first.</para>
/// </remarks>
[Optimizer("armijo-gradient-descent", Order = 1, StepControl = StepControl.Armijo, Ode = typeof(GradientFlowOde))]
[ExplicitTableau("0", B = "1")]
public partial class ArmijoGradientDescent;
