using System;

namespace OdeOpt.Optimizers;

/// <summary>
/// Adagrad (Duchi, Hazan, Singer, "Adaptive Subgradient Methods for Online Learning and Stochastic Optimization",
/// JMLR 12, 2011), exactly as <c>torch.optim.Adagrad</c> documents it, with learning-rate decay and an initial
/// accumulator value.
/// </summary>
/// <remarks>
/// <para>With d_t = (maximize ? -g_t : g_t) + lambda theta_{t-1}, eta = <see cref="LearningRateDecay"/>,
/// tau = <see cref="InitialAccumulatorValue"/>:</para>
/// <code>
/// s_0 = tau
/// s_t = s_{t-1} + d_t^2
/// theta_t = theta_{t-1} - lr / (1 + (t - 1) eta) d_t / (sqrt(s_t) + eps)
/// </code>
/// <para>As a time integrator: forward Euler with h = lr on s' = d^2 / h, theta' = -d / ((1 + (t - 1) eta)(sqrt(s + d^2) + eps)),
/// s(0) = tau through [Initial]. One gradient per step; one state array. Order 1.</para>
/// </remarks>
[Optimizer("adagrad", Order = 1)]
[ExplicitTableau("0", B = "1")]
public partial class Adagrad
{
    /// <summary>The learning rate, the step size h (default 1e-2).</summary>
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1e-2f;

    /// <summary>The learning-rate decay eta: step t uses lr / (1 + (t - 1) eta) (default 0).</summary>
    [Hyperparameter(Min = 0)] public float LearningRateDecay { get; set; }

    /// <summary>The L2 weight decay lambda added to the gradient (default 0).</summary>
    [Hyperparameter(Min = 0)] public float WeightDecay { get; set; }

    /// <summary>The value tau the sum of squared gradients starts at (default 0).</summary>
    [Hyperparameter(Min = 0)] public float InitialAccumulatorValue { get; set; }

    /// <summary>Added to the square root of the sum (default 1e-10).</summary>
    [Hyperparameter(Min = 0)] public float Epsilon { get; set; } = 1e-10f;

    /// <summary>Maximize the objective: the gradient is negated (default false).</summary>
    [Hyperparameter] public bool Maximize { get; set; }

    [Initial("sum")]
    private static float Sum0(float initialAccumulatorValue) => initialAccumulatorValue;

    [Explicit("sum")]
    private static float Sum(float g, float theta, float weightDecay, bool maximize, float h)
    {
        float d = (maximize ? -g : g) + (weightDecay != 0 ? weightDecay * theta : 0);
        return d * d / h;
    }

    [Explicit("theta")]
    private static float Theta(float g, float theta, float sum, float learningRateDecay, float weightDecay, float epsilon, bool maximize, int t)
    {
        float d = (maximize ? -g : g) + (weightDecay != 0 ? weightDecay * theta : 0);
        return -d / (MathF.Sqrt(sum + d * d) + epsilon) / (1 + (t - 1) * learningRateDecay);
    }
}
