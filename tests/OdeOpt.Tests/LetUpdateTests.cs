using System;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.Tests;

// Declarations that use [Let] and [Update]; the tests below check them against float64 loops written from the
// algorithms, not against other OdeOpt optimizers.

/// <summary>torch.optim.Adam with L2 weight decay written as its algorithm box: d = g + lambda theta named once.</summary>
[Optimizer("test-let-update-adam")]
[ImexScheme(ImexSchemes.Euler)]
public partial class LetUpdateAdam
{
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1e-3f;
    [Hyperparameter(Min = 0, Max = 1)] public float Beta1 { get; set; } = 0.9f;
    [Hyperparameter(Min = 0, Max = 1)] public float Beta2 { get; set; } = 0.999f;
    [Hyperparameter(Min = 0)] public float Epsilon { get; set; } = 1e-8f;
    [Hyperparameter(Min = 0)] public float WeightDecay { get; set; }

    [Let("d")] static float D(float g, float theta, float weightDecay) => g + weightDecay * theta;
    [Update("m")] static float M(float d, float m, float beta1) => beta1 * m + (1 - beta1) * d;
    [Update("v")] static float V(float d, float v, float beta2) => beta2 * v + (1 - beta2) * d * d;
    [Implicit("theta")] static float Theta(float m, float v, float beta1, float beta2, float epsilon, int t) =>
        -(m / (1 - MathF.Pow(beta1, t))) / (MathF.Sqrt(v / (1 - MathF.Pow(beta2, t))) + epsilon);
}

/// <summary>A belief-style second moment that reads the new first moment of the same stage through a let:
/// m_t = b1 m + (1 - b1) g, s_t = b2 s + (1 - b2) (g - m_t)^2 + eps, theta -= lr m_t / (sqrt(s_t) + eps).</summary>
[Optimizer("test-let-belief")]
[ImexScheme(ImexSchemes.Euler)]
public partial class LetBelief
{
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1e-3f;
    [Hyperparameter(Min = 0, Max = 1)] public float Beta1 { get; set; } = 0.9f;
    [Hyperparameter(Min = 0, Max = 1)] public float Beta2 { get; set; } = 0.999f;
    [Hyperparameter(Min = 0)] public float Epsilon { get; set; } = 1e-8f;

    [Let("mt")] static float Mt(float g, float m, float beta1) => beta1 * m + (1 - beta1) * g;
    [Let("belief")] static float Belief(float g, float mt) => (g - mt) * (g - mt);
    [Update("m")] static float M(float mt) => mt;
    [Update("s")] static float S(float s, float belief, float beta2, float epsilon) => beta2 * s + (1 - beta2) * belief + epsilon;
    [Implicit("theta")] static float Theta(float m, float s, float epsilon) => -m / (MathF.Sqrt(s) + epsilon);
}

/// <summary>[Update] under a two-stage tableau is the right-hand side (F - x) / h: theta_new = theta - h g under Heun is
/// Heun's method on the gradient flow.</summary>
[Optimizer("test-update-heun")]
[ExplicitTableau("0 0; 1 0", B = "1/2 1/2")]
public partial class UpdateHeun
{
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1e-3f;
    [Update("theta")] static float Theta(float g, float theta, float h) => theta - h * g;
}

/// <summary>The previous gradient kept as a state variable updated after use: theta -= lr (g + c (g - g_prev)),
/// with g_prev = g at the first step.</summary>
[Optimizer("test-update-previous-gradient")]
[ExplicitTableau("0", B = "1")]
public partial class UpdatePreviousGradient
{
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1e-3f;
    [Hyperparameter] public float C { get; set; } = 0.5f;
    [Update("theta")] static float Theta(float g, float gp, float theta, float c, float h) => theta - h * (g + c * (g - gp));
    [Update("gp")] static float Gp(float g) => g;
    [Initial("gp")] static float Gp0(float g) => g;
}

public class LetUpdateTests
{
    private readonly ITestOutputHelper _out;
    public LetUpdateTests(ITestOutputHelper output) => _out = output;

    private const int Steps = 200;

    private void AssertMatches(IOptimizer opt, Action<double[], double[], int> reference, string what)
    {
        var expected = TorchHarness.Reference(TorchHarness.Start, Steps, TorchHarness.Rosenbrock, reference);
        double error = TorchHarness.MaxError(TorchHarness.Run(opt, TorchHarness.Start, Steps, TorchHarness.Rosenbrock), expected);
        double travel = TorchHarness.Travel(TorchHarness.Start, expected);
        _out.WriteLine($"{what}: largest error {error:E3} over {Steps} steps (travel {travel:F3})");
        Assert.True(error <= 1e-5, $"{what}: error {error:E3}");
        Assert.True(travel > 0.05, $"{what}: the reference hardly moved ({travel})");
    }

    [Fact]
    public void A_let_named_once_gives_torch_Adam_with_L2_decay()
    {
        double lr = 0.02, b1 = 0.8, b2 = 0.99, eps = 1e-6, wd = 0.1;
        var opt = new LetUpdateAdam(TorchHarness.N) { LearningRate = (float)lr, Beta1 = (float)b1, Beta2 = (float)b2, Epsilon = (float)eps, WeightDecay = (float)wd };
        var m = new double[TorchHarness.N];
        var v = new double[TorchHarness.N];
        AssertMatches(opt, (x, g, t) =>
        {
            for (int i = 0; i < x.Length; i++)
            {
                double d = g[i] + wd * x[i];
                m[i] = b1 * m[i] + (1 - b1) * d;
                v[i] = b2 * v[i] + (1 - b2) * d * d;
                x[i] -= lr * (m[i] / (1 - Math.Pow(b1, t))) / (Math.Sqrt(v[i] / (1 - Math.Pow(b2, t))) + eps);
            }
        }, "Adam with d = g + lambda theta as a let");
        Assert.Equal(1, ((IOptimizer)opt).Info.GradientEvaluationsPerStep);
    }

    [Fact]
    public void A_body_reads_the_value_a_let_produced_in_the_same_stage()
    {
        double lr = 0.01, b1 = 0.85, b2 = 0.995, eps = 1e-6;
        var opt = new LetBelief(TorchHarness.N) { LearningRate = (float)lr, Beta1 = (float)b1, Beta2 = (float)b2, Epsilon = (float)eps };
        var m = new double[TorchHarness.N];
        var s = new double[TorchHarness.N];
        AssertMatches(opt, (x, g, t) =>
        {
            for (int i = 0; i < x.Length; i++)
            {
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                s[i] = b2 * s[i] + (1 - b2) * (g[i] - m[i]) * (g[i] - m[i]) + eps;
                x[i] -= lr * m[i] / (Math.Sqrt(s[i]) + eps);
            }
        }, "belief second moment through the let m_t");
    }

    [Fact]
    public void An_update_under_Heun_is_the_right_hand_side_F_minus_x_over_h()
    {
        double lr = 4e-4;
        var opt = new UpdateHeun(TorchHarness.N) { LearningRate = (float)lr };
        Assert.Equal(2, ((IOptimizer)opt).Info.GradientEvaluationsPerStep);
        // Heun's method on theta' = -grad L: the reference evaluates the gradient twice per step itself.
        var expected = new double[Steps][];
        var x = TorchHarness.Start;
        var g1 = new double[x.Length];
        var g2 = new double[x.Length];
        for (int k = 0; k < Steps; k++)
        {
            TorchHarness.Rosenbrock(x, g1);
            var y = new double[x.Length];
            for (int i = 0; i < x.Length; i++) y[i] = x[i] - lr * g1[i];
            TorchHarness.Rosenbrock(y, g2);
            for (int i = 0; i < x.Length; i++) x[i] -= lr / 2 * (g1[i] + g2[i]);
            expected[k] = (double[])x.Clone();
        }
        double error = TorchHarness.MaxError(TorchHarness.Run(opt, TorchHarness.Start, Steps, TorchHarness.Rosenbrock), expected);
        _out.WriteLine($"[Update] under Heun: largest error {error:E3}; travel {TorchHarness.Travel(TorchHarness.Start, expected):F3}");
        Assert.True(error <= 1e-5, $"error {error:E3}");
        Assert.True(TorchHarness.Travel(TorchHarness.Start, expected) > 0.05);
    }

    [Fact]
    public void A_state_variable_updated_after_use_keeps_the_previous_gradient()
    {
        double lr = 5e-4, c = 0.7;
        var opt = new UpdatePreviousGradient(TorchHarness.N) { LearningRate = (float)lr, C = (float)c };
        double[]? previous = null;
        AssertMatches(opt, (x, g, t) =>
        {
            previous ??= (double[])g.Clone();
            for (int i = 0; i < x.Length; i++) x[i] -= lr * (g[i] + c * (g[i] - previous[i]));
            Array.Copy(g, previous, g.Length);
        }, "previous gradient as state");
    }
}
