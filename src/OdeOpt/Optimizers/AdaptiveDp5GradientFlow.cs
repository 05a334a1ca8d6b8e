namespace OdeOpt.Optimizers;

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
