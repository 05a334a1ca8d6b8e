namespace OdeOpt.Optimizers;

/// <summary>
/// torch.optim.Adam (the Adam ODE under IMEX Euler, without weight decay, AMSGrad or maximize) with its moments stored
/// as bfloat16, which also steps bfloat16 parameter and gradient buffers with stochastic rounding of theta.
/// </summary>
/// <remarks>
/// <para>The arithmetic is float32 and the step is <see cref="Adam"/>'s:</para>
/// <code>
/// m_t = beta1 m_{t-1} + (1 - beta1) g_t,   v_t = beta2 v_{t-1} + (1 - beta2) g_t^2
/// theta_t = theta_{t-1} - lr (m_t / (1 - beta1^t)) / (sqrt(v_t / (1 - beta2^t)) + eps)
/// </code>
/// <para>m_t and v_t are used unrounded within the step and stored rounded to the nearest bfloat16, ties to even
/// (<see cref="Runtime.BFloat16"/>): 20 bytes per parameter per step on float32 buffers instead of 28.
/// <c>Step(Span&lt;ushort&gt;, ReadOnlySpan&lt;ushort&gt;)</c> (<see cref="IBFloat16ParameterOptimizer"/>) takes bfloat16
/// parameters and gradient, widens them, and rounds the new theta stochastically with bits that are a pure function of
/// (<c>StochasticRoundingSeed</c>, step, index) (<see cref="Runtime.CounterRandom"/>): 14 bytes per parameter per step,
/// and updates smaller than half a bfloat16 ulp still move theta in expectation. docs/dsl.md, "State storage", gives the
/// accuracy measured beside float32.</para>
/// </remarks>
[Optimizer("adam-bf16", Order = 1, Ode = typeof(AdamOde))]
[ImexScheme(ImexSchemes.Euler)]
[StateStorage("m", StateStorage.BFloat16)]
[StateStorage("v", StateStorage.BFloat16)]
[ParameterStorage(StateStorage.BFloat16)]
public partial class AdamBFloat16;
