using System;

namespace OdeOpt.Tests;

// Optimizers with [Reduction]s declared by the tests: a reduction at two gradient stages (two passes, the undo pass), a
// reduction read by an implicit part, and the Sum and MaxAbs kinds.

/// <summary>Normalized gradient flow theta' = -g / ||g|| (per group) under Heun: the norm at stage 1 and at stage 2.</summary>
[Optimizer("test-normalized-flow-heun", Order = 2)]
[ExplicitTableau("0 0; 1 0", B = "1/2 1/2")]
public partial class NormalizedFlowHeun
{
    [Hyperparameter(Min = 0), StepSize] public float H { get; set; } = 0.05f;

    [Reduction("gNorm", ReductionKind.Norm)] static float GNorm(float g) => g;

    [Explicit("theta")] static float Theta(float g, float gNorm) => gNorm > 0 ? -g / gNorm : 0;
}

/// <summary>m' = a (g - m) explicit, theta' = -m / ||m|| implicit (IMEX Euler): the implicit part of theta reads the norm of
/// m's stage-2 value, solved first.</summary>
[Optimizer("test-normalized-momentum")]
[ImexScheme(ImexSchemes.Euler)]
public partial class NormalizedMomentum
{
    [Hyperparameter(Min = 0), StepSize] public float H { get; set; } = 0.05f;
    [Hyperparameter(Min = 0)] public float A { get; set; } = 5f;

    [Reduction("mNorm", ReductionKind.Norm)] static float MNorm(float m) => m;

    [Explicit("m")] static float M(float g, float m, float a) => a * (g - m);
    [Implicit("theta")] static float Theta(float m, float mNorm) => mNorm > 0 ? -m / mNorm : 0;
}

/// <summary>theta' = -g / max|g| - c sum(g) (per group), forward Euler: the MaxAbs and Sum kinds.</summary>
[Optimizer("test-max-sum")]
[ExplicitTableau("0", B = "1")]
public partial class MaxSumFlow
{
    [Hyperparameter(Min = 0), StepSize] public float H { get; set; } = 0.05f;
    [Hyperparameter] public float C { get; set; } = 0.01f;

    [Reduction("gMax", ReductionKind.MaxAbs)] static float GMax(float g) => g;
    [Reduction("gSum", ReductionKind.Sum)] static float GSum(float g) => g;

    [Explicit("theta")] static float Theta(float g, float gMax, float gSum, float c) => (gMax > 0 ? -g / gMax : 0) - c * gSum;
}

/// <summary>theta' = -(g - mean(g)) per group, the mean as Sum(g) / Sum(1): a reduction of a constant body.</summary>
[Optimizer("test-centered-flow")]
[ExplicitTableau("0", B = "1")]
public partial class CenteredFlow
{
    [Hyperparameter(Min = 0), StepSize] public float H { get; set; } = 0.05f;

    [Reduction("count", ReductionKind.Sum)] static float Count() => 1;
    [Reduction("gSum", ReductionKind.Sum)] static float GSum(float g) => g;

    [Explicit("theta")] static float Theta(float g, float count, float gSum) => -(g - gSum / count);
}
