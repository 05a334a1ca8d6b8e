using OdeOpt;

namespace OdeOpt.GpuBench;

/// <summary>torch.optim.SGD with momentum (not a built-in yet): b_1 = g_1, b_t = mu b_{t-1} + g_t, theta -= lr b_t;
/// b explicit, theta implicit (IMEX Euler). Declared here, so its GPU form comes from this compilation, as a user's would.</summary>
[Optimizer("sgd-momentum")]
[ImexScheme(ImexSchemes.Euler)]
public partial class SgdMomentum
{
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1e-3f;
    [Hyperparameter(Min = 0)] public float Momentum { get; set; } = 0.9f;

    [Explicit("b")] static float B(float g, float b, float momentum, float h, int t) => (t == 1 ? g - b : (momentum - 1) * b + g) / h;
    [Implicit("theta")] static float Theta(float b) => -b;
}
