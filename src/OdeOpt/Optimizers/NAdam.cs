using System;

namespace OdeOpt.Optimizers;

/// <summary>
/// NAdam (Dozat, "Incorporating Nesterov Momentum into Adam", ICLR 2016 workshop), exactly as <c>torch.optim.NAdam</c>
/// documents it: Adam with a Nesterov look-ahead in the first moment and a momentum-decay schedule mu_t.
/// </summary>
/// <remarks>
/// <para>With g_t = grad L(theta_{t-1}) (negated when <see cref="Maximize"/>), lambda = <see cref="WeightDecay"/>,
/// psi = <see cref="MomentumDecay"/>:</para>
/// <code>
/// theta_{t-1} &lt;- theta_{t-1} (1 - lr lambda)        if DecoupledWeightDecay   (else g_t &lt;- g_t + lambda theta_{t-1})
/// mu_t   = beta1 (1 - 0.96^(t psi) / 2),   mu_{t+1} = beta1 (1 - 0.96^((t+1) psi) / 2)
/// P_t    = mu_1 mu_2 ... mu_t                                  (a [StepScalar] recurrence: P_t = P_{t-1} mu_t, P_0 = 1)
/// m_t    = beta1 m_{t-1} + (1 - beta1) g_t
/// v_t    = beta2 v_{t-1} + (1 - beta2) g_t^2
/// theta_t = theta_{t-1} - lr [ (1 - mu_t) / (1 - P_t) g_t + mu_{t+1} / (1 - P_t mu_{t+1}) m_t ] / (sqrt(v_t / (1 - beta2^t)) + eps)
/// </code>
/// <para>As a time integrator: forward Euler (one stage, h = lr) on
/// m' = (1 - beta1)/h (g - m), v' = (1 - beta2)/h (g^2 - v) and theta' = -(the bracket above) / (...) with m_t, v_t written
/// out from m_{t-1}, v_{t-1} and g (the update of theta needs g itself, so it is explicit). The running product P_t has
/// no closed form: it is the step scalar <c>muProduct</c>, updated once per step on the host, saved with the state.
/// One gradient per step, two state arrays. Order 1.</para>
/// </remarks>
[Optimizer("nadam", Order = 1)]
[Condition("3 + beta2 > 4 * beta1", Reference = "Belotto da Silva & Gazeau, JMLR 21(129), 2020: convergence of the Adam ODE")]
[ExplicitTableau("0", B = "1")]
public partial class NAdam
{
    /// <summary>The learning rate, the step size h (default 2e-3).</summary>
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 2e-3f;

    /// <summary>The decay rate of the first moment (default 0.9).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta1 { get; set; } = 0.9f;

    /// <summary>The decay rate of the second moment (default 0.999).</summary>
    [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta2 { get; set; } = 0.999f;

    /// <summary>Added to the bias-corrected square root of the second moment (default 1e-8).</summary>
    [Hyperparameter(Min = 0)] public float Epsilon { get; set; } = 1e-8f;

    /// <summary>The weight decay lambda (default 0): L2 on the gradient, or decoupled with <see cref="DecoupledWeightDecay"/>.</summary>
    [Hyperparameter(Min = 0)] public float WeightDecay { get; set; }

    /// <summary>The momentum decay psi of the schedule mu_t (default 4e-3).</summary>
    [Hyperparameter(Min = 0)] public float MomentumDecay { get; set; } = 4e-3f;

    /// <summary>Decay the parameters by (1 - lr lambda) instead of adding lambda theta to the gradient (default false).</summary>
    [Hyperparameter] public bool DecoupledWeightDecay { get; set; }

    /// <summary>Maximize the objective: the gradient is negated (default false).</summary>
    [Hyperparameter] public bool Maximize { get; set; }

    /// <summary>P_t = mu_1 ... mu_t, P_0 = 1.</summary>
    [StepScalar("muProduct", Initial = 1)]
    private static float MuProduct(float muProduct, float beta1, float momentumDecay, int t) =>
        muProduct * (beta1 * (1 - 0.5f * MathF.Pow(0.96f, t * momentumDecay)));

    /// <summary>torch's g_t: the gradient (negated under maximize) plus the L2 term unless the decay is decoupled; named
    /// once for the three bodies.</summary>
    [Let("gt")]
    private static float Gt(float g, float theta, float weightDecay, bool decoupledWeightDecay, bool maximize) =>
        decoupledWeightDecay || weightDecay == 0 ? (maximize ? -g : g) : (maximize ? -g : g) + weightDecay * theta;

    [Explicit("m")] private static float M(float gt, float m, float beta1, float h) => (1 - beta1) / h * (gt - m);

    [Explicit("v")] private static float V(float gt, float v, float beta2, float h) => (1 - beta2) / h * (gt * gt - v);

    [Explicit("theta")]
    private static float Theta(float gt, float theta, float m, float v, float beta1, float beta2, float epsilon, float weightDecay, float momentumDecay,
        bool decoupledWeightDecay, float muProduct, int t)
    {
        float mt = beta1 * m + (1 - beta1) * gt;
        float vt = beta2 * v + (1 - beta2) * gt * gt;
        float mu = beta1 * (1 - 0.5f * MathF.Pow(0.96f, t * momentumDecay));
        float muNext = beta1 * (1 - 0.5f * MathF.Pow(0.96f, (t + 1) * momentumDecay));
        float denominator = MathF.Sqrt(vt / (1 - MathF.Pow(beta2, t))) + epsilon;
        float step = ((1 - mu) / (1 - muProduct) * gt + muNext / (1 - muProduct * muNext) * mt) / denominator;
        return -(decoupledWeightDecay && weightDecay != 0 ? weightDecay * theta : 0) - step;
    }
}
