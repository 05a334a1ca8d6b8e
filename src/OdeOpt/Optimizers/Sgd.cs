namespace OdeOpt.Optimizers;

/// <summary>
/// Stochastic gradient descent with momentum, dampening, Nesterov momentum, L2 weight decay and maximization, exactly
/// as <c>torch.optim.SGD</c> implements it (Nesterov momentum after Sutskever, Martens, Dahl, Hinton, ICML 2013).
/// </summary>
/// <remarks>
/// <para>With g_t = grad L(theta_{t-1}), mu = <see cref="Momentum"/>, tau = <see cref="Dampening"/>,
/// lambda = <see cref="WeightDecay"/>:</para>
/// <code>
/// d_t = (maximize ? -g_t : g_t) + lambda theta_{t-1}
/// b_t = d_t                                  t = 1   (the buffer starts as the first gradient)
/// b_t = mu b_{t-1} + (1 - tau) d_t           t &gt; 1
/// u_t = mu = 0 ? d_t : nesterov ? d_t + mu b_t : b_t
/// theta_t = theta_{t-1} - lr u_t
/// </code>
/// <para>As a time integrator: forward Euler (h = lr) on theta' = -u, b' = (b_t - b) / h (b' = 0 without momentum). With the
/// defaults (no momentum) this is forward Euler on the gradient flow theta' = -grad L: stable on an L-smooth convex loss for
/// lr &lt;= 2 / L. One gradient per step; one state array (the momentum buffer), which a step without momentum neither
/// reads nor writes (12 bytes per parameter, as plain gradient descent). Order 1.</para>
/// <para><c>maximize</c> negates the gradient before the weight decay is added, as torch's implementation does (its
/// documentation's pseudocode applies maximize at the update instead; the two differ only when both are set). torch
/// rejects Nesterov without momentum or with dampening; here that combination is computed as written.</para>
/// </remarks>
[Optimizer("sgd", Order = 1)]
[ExplicitTableau("0", B = "1")]
public partial class Sgd
{
    /// <summary>The learning rate, the step size h (default 1e-3).</summary>
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1e-3f;

    /// <summary>The momentum factor mu (default 0: no momentum).</summary>
    [Hyperparameter(Min = 0)] public float Momentum { get; set; }

    /// <summary>The dampening tau of the gradient in the momentum buffer (default 0).</summary>
    [Hyperparameter] public float Dampening { get; set; }

    /// <summary>The L2 weight decay lambda added to the gradient (default 0).</summary>
    [Hyperparameter(Min = 0)] public float WeightDecay { get; set; }

    /// <summary>Use Nesterov momentum (default false).</summary>
    [Hyperparameter] public bool Nesterov { get; set; }

    /// <summary>Maximize the objective: the gradient is negated (default false).</summary>
    [Hyperparameter] public bool Maximize { get; set; }

    [Explicit("b")]
    private static float Buffer(float g, float theta, float b, float momentum, float dampening, float weightDecay, bool maximize, float h, int t)
    {
        float d = (maximize ? -g : g) + (weightDecay != 0 ? weightDecay * theta : 0);
        float next = t == 1 ? d : momentum * b + (1 - dampening) * d;
        return momentum == 0 ? 0 : (next - b) / h;
    }

    [Explicit("theta")]
    private static float Theta(float g, float theta, float b, float momentum, float dampening, float weightDecay, bool nesterov, bool maximize, int t)
    {
        float d = (maximize ? -g : g) + (weightDecay != 0 ? weightDecay * theta : 0);
        float next = t == 1 ? d : momentum * b + (1 - dampening) * d;
        return -(momentum == 0 ? d : nesterov ? d + momentum * next : next);
    }
}
