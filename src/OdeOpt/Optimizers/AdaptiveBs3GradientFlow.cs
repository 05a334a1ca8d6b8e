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
