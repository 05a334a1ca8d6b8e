using System.Linq;
using Xunit;

namespace OdeOpt.Generators.Tests;

/// <summary>Every construct the right-hand-side language allows, in per-element and in hoisted (per-step)
/// position, generates code that compiles.</summary>
public class BodyConstructTests
{
    private const string EveryConstruct = """
        using System;
        using OdeOpt;

        namespace Constructs;

        [Optimizer("every-construct")]
        [ImexScheme(ImexSchemes.Trapezoidal)]
        public partial class EveryConstruct
        {
            private const float Half = 0.5f;
            private const float Tiny = 1e-12f;
            private const int Two = 2;

            [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1e-3f;
            [Hyperparameter(Min = 0, Max = 1)] public float Beta1 { get; set; } = 0.9f;
            [Hyperparameter(Min = 0, Max = 1)] public float Beta2 { get; set; } = 0.999f;
            [Hyperparameter(Min = 0)] public float Epsilon { get; set; } = 1e-8f;
            [Hyperparameter] public float Decay { get; set; } = 0f;

            // Locals, + - * /, MathF.Max/Min/Sign/Abs, a const field, literals of several types, (float) casts.
            [Explicit("m")]
            static float M(float g, float m, float beta1, float h)
            {
                float rate = (1 - beta1) / h;
                float clipped = MathF.Max(MathF.Min(g, 10f), -10.0f);
                float magnitude = MathF.Sign(g) * MathF.Abs(g);
                return rate * (Half * (clipped + magnitude) - m) + (float)0.0 * Two;
            }

            // MathF.FusedMultiplyAdd/Exp/Log/Pow; ?: with every comparison, &&, || and !; t (int) in a
            // per-step condition and a per-element one; a ?: that depends only on hyperparameters (hoisted).
            [Explicit("v")]
            static float V(float g, float v, float beta2, float h, int t)
            {
                float g2 = MathF.FusedMultiplyAdd(g, g, Tiny);
                float decay = (1 - beta2) / h;
                float target = g2 > v && !(v <= 0) || g == 0 ? g2 : MathF.Exp(MathF.Log(v + Tiny));
                float warm = t >= 10 && t != 11 ? 1 : MathF.Pow(beta2, t);
                float bias = beta2 < 0.5f ? beta2 : 1 - beta2;
                return decay * (target - v) * warm + 0 * bias * (t < 3 ? g : -g);
            }

            // Unary minus and plus, MathF.Sqrt, a hyperparameter that is zero by default.
            [Implicit("theta")]
            static float Theta(float m, float v, float epsilon) => -m / (MathF.Sqrt(+v) + epsilon);

            // An explicit part of theta next to its implicit one, affine in theta.
            [Explicit("theta")]
            static float ThetaDecay(float theta, float decay) => -decay * theta;

            [Initial("m")] static float M0(float g, float theta) => Half * g + 0 * theta;
            [Initial("v")] static float V0(float g) => g * g;
        }

        // An implicit part affine in its own variable (solved in closed form) and a look-ahead point.
        [Optimizer("every-construct-look-ahead")]
        [ImexScheme(ImexSchemes.Euler)]
        [GradientAt("theta + sigma * m - 0.5 * sigma * m")]
        internal partial class LookAhead
        {
            [Hyperparameter(Min = 0), StepSize] public float H { get; set; } = 0.1f;
            [Hyperparameter(Min = 0)] public float Gamma { get; set; } = 3f;
            [Hyperparameter] public float Sigma { get; set; } = 1f;

            [Explicit("m")] static float MExplicit(float g) => -g;
            [Implicit("m")] static float MImplicit(float m, float gamma) => MathF.FusedMultiplyAdd(-gamma, m, 0);
            [Implicit("theta")] static float Theta(float m) => m;
        }
        """;

    [Fact]
    public void EveryConstructCompiles()
    {
        var run = GeneratorHarness.Run(EveryConstruct);
        run.AssertClean();
        Assert.Equal(2, run.Sources.Length);

        string everyConstruct = run.Sources.Single(s => s.HintName.StartsWith("Constructs.EveryConstruct.", System.StringComparison.Ordinal)).Text;
        // Per-element: the SIMD forms of every function and condition.
        foreach (var call in new[] { "V.Sqrt(", "V.Abs(", "V.Max(", "V.Min(", "V.Exp(", "V.Log(", "V.Sign(", "V.FusedMultiplyAdd(",
                                     "V.Select(", "V.GreaterThan(", "V.LessThanOrEqual(", "V.Equal(", "V.And(", "V.Or(", "V.Not(" })
            Assert.Contains(call, everyConstruct);
        // Per-step: hoisted in double precision, conditions included.
        foreach (var hoisted in new[] { "global::System.Math.Pow(", "t >= 10d && t != 11d ?", "@beta2 < 0.5d ?" })
            Assert.Contains(hoisted, everyConstruct);
    }
}
