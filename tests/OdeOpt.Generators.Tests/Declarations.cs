namespace OdeOpt.Generators.Tests;

/// <summary>Declarations used by several tests, as source text.</summary>
internal static class Declarations
{
    /// <summary>The declaration of src/OdeOpt/Optimizers/Adam.cs, in a test namespace.</summary>
    public const string Adam = """
        using System;
        using OdeOpt;

        namespace OdeOpt.Generators.Tests.Snapshots;

        [Optimizer("adam", Order = 1)]
        [ExplicitTableau("0 0; 1 0", B = "1 0")]
        [ImplicitTableau("0 0; 0 1", B = "0 1")]
        public partial class Adam
        {
            /// <summary>The learning rate, the step size h (default 1e-3).</summary>
            [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1e-3f;

            /// <summary>The decay rate of the first moment (default 0.9).</summary>
            [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta1 { get; set; } = 0.9f;

            /// <summary>The decay rate of the second moment (default 0.999).</summary>
            [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta2 { get; set; } = 0.999f;

            /// <summary>Added to the bias-corrected square root of the second moment (default 1e-8).</summary>
            [Hyperparameter(Min = 0)] public float Epsilon { get; set; } = 1e-8f;

            [Explicit("m")] private static float M(float g, float m, float beta1, float h) => (1 - beta1) / h * (g - m);

            [Explicit("v")] private static float V(float g, float v, float beta2, float h) => (1 - beta2) / h * (g * g - v);

            [Implicit("theta")]
            private static float Theta(float m, float v, float beta1, float beta2, float epsilon, int t) =>
                -(m / (1 - MathF.Pow(beta1, t))) / (MathF.Sqrt(v / (1 - MathF.Pow(beta2, t))) + epsilon);
        }
        """;

    /// <summary>The declaration of src/OdeOpt/Optimizers/ImexTrapezoidalAdam.cs, in a test namespace.</summary>
    public const string ImexTrapezoidalAdam = """
        using System;
        using OdeOpt;

        namespace OdeOpt.Generators.Tests.Snapshots;

        [Optimizer("imex-trapezoidal-adam", Order = 2)]
        [ExplicitTableau("0 0; 1 0", B = "1/2 1/2")]
        [ImplicitTableau("0 0; 1/2 1/2", B = "1/2 1/2")]
        public partial class ImexTrapezoidalAdam
        {
            /// <summary>The learning rate, the step size h (default 1e-3).</summary>
            [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1e-3f;

            /// <summary>The decay rate of the first moment (default 0.9).</summary>
            [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta1 { get; set; } = 0.9f;

            /// <summary>The decay rate of the second moment (default 0.999).</summary>
            [Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)] public float Beta2 { get; set; } = 0.999f;

            /// <summary>Added to the bias-corrected square root of the second moment (default 1e-8).</summary>
            [Hyperparameter(Min = 0)] public float Epsilon { get; set; } = 1e-8f;

            [Explicit("m")] private static float M(float g, float m, float beta1, float h) => (1 - beta1) / h * (g - m);

            [Explicit("v")] private static float V(float g, float v, float beta2, float h) => (1 - beta2) / h * (g * g - v);

            [Implicit("theta")]
            private static float Theta(float m, float v, float beta1, float beta2, float epsilon, int t) =>
                -(m / (1 - MathF.Pow(beta1, t))) / (MathF.Sqrt(v / (1 - MathF.Pow(beta2, t))) + epsilon);
        }
        """;

    /// <summary>A file with nothing for the generator: added or edited to check that cached steps stay cached.</summary>
    public const string Unrelated = """
        namespace OdeOpt.Generators.Tests.Unrelated;

        public static class Helper
        {
            public static int Twice(int x) => 2 * x;
        }
        """;

    /// <summary>The declaration of src/OdeOpt/Optimizers/Lars.cs (without the class's doc comment), in a test namespace: a pass
    /// with a reduction pass.</summary>
    public const string Lars = """
        using OdeOpt;

        namespace OdeOpt.Generators.Tests.Snapshots;

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
        """;
}
