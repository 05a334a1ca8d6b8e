namespace OdeOpt.Optimizers;

/// <summary>
/// Newton's second law with linear damping (unit mass), theta'' = -grad L(theta) - gamma theta', as the first-order system
/// u' = -grad L(theta) - gamma u (explicit), theta' = u (implicit): momentum as a damped particle (Qian, Neural Networks 12,
/// 1999; the momentum-methods lecture notes). Discretised by <see cref="NewtonEuler"/> (only an explicit tableau, so
/// theta' = u is explicit too), <see cref="SymplecticEulerMomentum"/>, <see cref="VelocityVerlet"/> and
/// <see cref="NewmarkAverageAcceleration"/>. <see cref="NewtonImplicitFrictionOde"/> is the same law split differently.
/// </summary>
[Ode]
public abstract class NewtonOde
{
    /// <summary>The time step h (default 0.1).</summary>
    [Hyperparameter(Min = 0), StepSize] public float TimeStep { get; set; } = 0.1f;

    /// <summary>The damping gamma (default 1).</summary>
    [Hyperparameter(Min = 0)] public float Damping { get; set; } = 1f;

    [Explicit("u")] private static float U(float g, float u, float damping) => -g - damping * u;

    [Implicit("theta")] private static float Theta(float u) => u;
}

/// <summary>
/// Newton's second law with linear damping split with the friction implicit: u' = -grad L(theta) (explicit)
/// - gamma u (implicit, affine in u, so solved in closed form), theta' = u (implicit). Which part is explicit is part of
/// the ODE, so this is an ODE of its own beside <see cref="NewtonOde"/>; <see cref="BackwardEulerDampedMomentum"/>
/// discretises it.
/// </summary>
[Ode]
public abstract class NewtonImplicitFrictionOde
{
    /// <summary>The time step h (default 0.1).</summary>
    [Hyperparameter(Min = 0), StepSize] public float TimeStep { get; set; } = 0.1f;

    /// <summary>The damping gamma (default 1).</summary>
    [Hyperparameter(Min = 0)] public float Damping { get; set; } = 1f;

    [Explicit("u")] private static float Force(float g) => -g;

    [Implicit("u")] private static float Friction(float u, float damping) => -damping * u;

    [Implicit("theta")] private static float Theta(float u) => u;
}
