using System;

namespace OdeOpt.Optimizers;

/// <summary>
/// RMSprop (Hinton, "Neural Networks for Machine Learning", lecture 6e, 2012; centered form after Graves, "Generating
/// Sequences With Recurrent Neural Networks", arXiv 1308.0850), exactly as <c>torch.optim.RMSprop</c> documents it.
/// </summary>
/// <remarks>
/// <para>With d_t = (maximize ? -g_t : g_t) + lambda theta_{t-1}:</para>
/// <code>
/// v_t  = alpha v_{t-1} + (1 - alpha) d_t^2
/// a_t  = alpha a_{t-1} + (1 - alpha) d_t                        (centered)
/// w_t  = centered ? v_t - a_t^2 : v_t
/// b_t  = mu b_{t-1} + d_t / (sqrt(w_t) + eps)                   (mu &gt; 0)
/// theta_t = theta_{t-1} - lr (mu &gt; 0 ? b_t : d_t / (sqrt(w_t) + eps))
/// </code>
/// <para>As a time integrator: forward Euler with h = lr on theta' = -(...) and v' = (v_t - v)/h, a' and b' likewise
/// (written out from the previous values and d). One gradient per step; three state arrays (v, a, b; a and b stay 0
/// and take no memory until a step with momentum or centering needs them). Order 1.</para>
/// </remarks>
[Optimizer("rmsprop", Order = 1)]
[ExplicitTableau("0", B = "1")]
public partial class RmsProp
{
    /// <summary>The learning rate, the step size h (default 1e-2).</summary>
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1e-2f;

    /// <summary>The smoothing constant alpha of the squared-gradient average (default 0.99).</summary>
    [Hyperparameter(Min = 0)] public float Alpha { get; set; } = 0.99f;

    /// <summary>Added to the square root of the (centered) average (default 1e-8).</summary>
    [Hyperparameter(Min = 0)] public float Epsilon { get; set; } = 1e-8f;

    /// <summary>The L2 weight decay lambda added to the gradient (default 0).</summary>
    [Hyperparameter(Min = 0)] public float WeightDecay { get; set; }

    /// <summary>The momentum factor mu (default 0: no momentum buffer).</summary>
    [Hyperparameter(Min = 0)] public float Momentum { get; set; }

    /// <summary>Normalize by an estimate of the variance (v - a^2) instead of the second moment (default false).</summary>
    [Hyperparameter] public bool Centered { get; set; }

    /// <summary>Maximize the objective: the gradient is negated (default false).</summary>
    [Hyperparameter] public bool Maximize { get; set; }

    [Explicit("v")]
    private static float V(float g, float theta, float v, float alpha, float weightDecay, bool maximize, float h)
    {
        float d = (maximize ? -g : g) + (weightDecay != 0 ? weightDecay * theta : 0);
        return (1 - alpha) / h * (d * d - v);
    }

    [Explicit("a")]
    private static float A(float g, float theta, float a, float alpha, float weightDecay, bool centered, bool maximize, float h) =>
        centered ? (1 - alpha) / h * ((maximize ? -g : g) + (weightDecay != 0 ? weightDecay * theta : 0) - a) : 0;

    [Explicit("b")]
    private static float B(float g, float theta, float v, float a, float b, float alpha, float epsilon, float weightDecay, float momentum,
        bool centered, bool maximize, float h)
    {
        float d = (maximize ? -g : g) + (weightDecay != 0 ? weightDecay * theta : 0);
        float vt = alpha * v + (1 - alpha) * d * d;
        float at = alpha * a + (1 - alpha) * d;
        float w = centered ? vt - at * at : vt;
        return momentum > 0 ? (momentum * b + d / (MathF.Sqrt(w) + epsilon) - b) / h : 0;
    }

    [Explicit("theta")]
    private static float Theta(float g, float theta, float v, float a, float b, float alpha, float epsilon, float weightDecay, float momentum,
        bool centered, bool maximize)
    {
        float d = (maximize ? -g : g) + (weightDecay != 0 ? weightDecay * theta : 0);
        float vt = alpha * v + (1 - alpha) * d * d;
        float at = alpha * a + (1 - alpha) * d;
        float w = centered ? vt - at * at : vt;
        float step = d / (MathF.Sqrt(w) + epsilon);
        return -(momentum > 0 ? momentum * b + step : step);
    }
}
