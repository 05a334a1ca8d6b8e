namespace OdeOpt.Optimizers;

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
