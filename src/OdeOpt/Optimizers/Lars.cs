namespace OdeOpt.Optimizers;

/// <summary>
/// LARS, layer-wise adaptive rate scaling (You, Gitman, Ginsburg, "Large Batch Training of Convolutional Networks",
/// arXiv:1708.03888, 2017): SGD with momentum whose step is scaled, per layer, by a local learning rate from the norms of
/// the layer's weights and gradient. A layer is a parameter group (<see cref="ITrainingOptimizer.Groups"/>): declare one
/// group per tensor (docs/guide.md, "One group per tensor").
/// </summary>
/// <remarks>
/// <para>The paper's Algorithm 1 ("SGD with LARS") with the local learning rate of its eq. (6), per layer l, with base
/// learning rate gamma, momentum m, weight decay beta and LARS coefficient eta (some implementations, nnabla's
/// <c>Lars</c> for one, divide by ||grad L + beta w|| instead of ||grad L|| + beta ||w||; this is the paper's form):</para>
/// <code>
/// lambda^l    = eta ||w^l|| / (||grad L(w^l)|| + beta ||w^l||)          local learning rate (eq. 6)
/// v^l_{t+1}   = m v^l_t + gamma lambda^l (grad L(w^l_t) + beta w^l_t)
/// w^l_{t+1}   = w^l_t - v^l_{t+1}
/// </code>
/// <para>Choices: gamma is the step size h (the paper's polynomial decay gamma_t = gamma_0 (1 - t/T)^2 is a schedule:
/// <c>SetSchedule("LearningRate", Schedule.FromFunction(...))</c>); when ||w^l|| = 0 or ||grad L(w^l)|| = 0 the local rate
/// is 1, as common implementations do (the formula is 0 or 0/0 there: a layer initialised at zero would never move). The
/// norms are [Reduction]s over the group, computed in a read-only pass before the step's pass (deterministic for any
/// thread count); the gradient is the clipped one when clipping is on.</para>
/// <para>As a time integrator with h = gamma: forward Euler on v' = ((m - 1) v + h lambda (g + beta theta)) / h and
/// theta' = -(m v + h lambda (g + beta theta)) / h, which is the update above exactly. One gradient per step; one state
/// array; 28 bytes per parameter per step (the reduction pass reads theta and g, the step reads theta, g, v and writes
/// theta, v).</para>
/// </remarks>
[Optimizer("lars", Order = 1)]
[ExplicitTableau("0", B = "1")]
public partial class Lars
{
    /// <summary>The base learning rate gamma, the step size h (default 0.1).</summary>
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 0.1f;

    /// <summary>The momentum m (default 0.9).</summary>
    [Hyperparameter(Min = 0, Max = 1)] public float Momentum { get; set; } = 0.9f;

    /// <summary>The weight decay beta, inside the update and the local learning rate (default 5e-4, the paper's).</summary>
    [Hyperparameter(Min = 0)] public float WeightDecay { get; set; } = 5e-4f;

    /// <summary>The LARS coefficient eta, the trust in the local learning rate (default 1e-3, the paper's).</summary>
    [Hyperparameter(Min = 0)] public float TrustCoefficient { get; set; } = 1e-3f;

    /// <summary>||w^l||, per group.</summary>
    [Reduction("thetaNorm", ReductionKind.Norm)] private static float ThetaNorm(float theta) => theta;

    /// <summary>||grad L(w^l)||, per group.</summary>
    [Reduction("gNorm", ReductionKind.Norm)] private static float GNorm(float g) => g;

    [Explicit("v")]
    private static float V(float g, float v, float theta, float momentum, float weightDecay, float trustCoefficient, float thetaNorm, float gNorm, float h)
    {
        float rate = thetaNorm > 0 && gNorm > 0 ? trustCoefficient * thetaNorm / (gNorm + weightDecay * thetaNorm) : 1;
        return ((momentum - 1) * v + h * rate * (g + weightDecay * theta)) / h;
    }

    [Explicit("theta")]
    private static float Theta(float g, float v, float theta, float momentum, float weightDecay, float trustCoefficient, float thetaNorm, float gNorm, float h)
    {
        float rate = thetaNorm > 0 && gNorm > 0 ? trustCoefficient * thetaNorm / (gNorm + weightDecay * thetaNorm) : 1;
        return -(momentum * v + h * rate * (g + weightDecay * theta)) / h;
    }
}
