using System;
using System.Collections.Generic;

namespace OdeOpt;

/// <summary>A hyperparameter of an optimizer: its property, the name bodies bind it by, its default and range.</summary>
public sealed class HyperparameterInfo
{
    /// <summary>The property name, for example <c>LearningRate</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The camelCase name right-hand-side bodies bind it by.</summary>
    public required string ParameterName { get; init; }

    /// <summary>The value a new optimizer starts with.</summary>
    public double DefaultValue { get; init; }

    /// <summary>The lower bound, or NaN when there is none.</summary>
    public double Min { get; init; } = double.NaN;

    /// <summary>The upper bound, or NaN when there is none.</summary>
    public double Max { get; init; } = double.NaN;

    /// <summary>Whether <see cref="Min"/> is excluded.</summary>
    public bool MinExclusive { get; init; }

    /// <summary>Whether <see cref="Max"/> is excluded.</summary>
    public bool MaxExclusive { get; init; }

    /// <summary>Whether this hyperparameter is the step size h.</summary>
    public bool IsStepSize { get; init; }

    /// <summary>Whether this hyperparameter is a flag (a <c>bool</c> property, 0 or 1 where values travel as numbers).</summary>
    public bool IsFlag { get; init; }

    /// <inheritdoc/>
    public override string ToString()
    {
        string lo = double.IsNaN(Min) ? "(-inf" : (MinExclusive ? "(" : "[") + Min.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string hi = double.IsNaN(Max) ? "inf)" : Max.ToString(System.Globalization.CultureInfo.InvariantCulture) + (MaxExclusive ? ")" : "]");
        if (IsFlag) return $"{Name} = {(DefaultValue != 0 ? "true" : "false")} (flag)";
        return $"{Name} = {DefaultValue.ToString(System.Globalization.CultureInfo.InvariantCulture)} in {lo}, {hi}{(IsStepSize ? " (step size h)" : "")}";
    }
}

/// <summary>A condition on the hyperparameters declared with <see cref="ConditionAttribute"/>.</summary>
public sealed class ConditionInfo
{
    /// <summary>The condition as declared, for example <c>3 + beta2 &gt; 4 * beta1</c>.</summary>
    public required string Expression { get; init; }

    /// <summary>Where the condition comes from, or null.</summary>
    public string? Reference { get; init; }

    /// <inheritdoc/>
    public override string ToString() => Reference is null ? Expression : Expression + " (" + Reference + ")";
}

/// <summary>What an optimizer is: its name, the scheme it integrates with, what a step costs.</summary>
public sealed class OptimizerInfo
{
    /// <summary>The registry name.</summary>
    public required string Name { get; init; }

    /// <summary>The optimizer's type.</summary>
    public required Type OptimizerType { get; init; }

    /// <summary>The order of the tableau pair: the largest p whose order conditions (coupling conditions included for an
    /// IMEX pair) all hold, found at compile time in exact arithmetic. Checked up to 5 for an explicit tableau and 3 for
    /// a pair.</summary>
    public int Order { get; init; }

    /// <summary>The order of the explicit tableau's embedded weights b-hat (<see cref="ExplicitTableauAttribute.BHat"/>),
    /// found like <see cref="Order"/>; 0 when the tableau has none.</summary>
    public int EmbeddedOrder { get; init; }

    /// <summary>The number of stages s of the tableau pair.</summary>
    public int Stages { get; init; }

    /// <summary>Gradient evaluations per step in steady state (first-same-as-last reuse counted).</summary>
    public int GradientEvaluationsPerStep { get; init; }

    /// <summary>The gradient evaluations of a step: <see cref="GradientEvaluationsPerStep"/> for a fixed scheme; a minimum
    /// and a cap where the count varies (implicit stages that read the gradient, step-size control).</summary>
    public GradientCountInfo GradientCount
    {
        get => _gradientCount ?? new GradientCountInfo { Minimum = GradientEvaluationsPerStep, Maximum = GradientEvaluationsPerStep };
        init => _gradientCount = value;
    }

    private readonly GradientCountInfo? _gradientCount;

    /// <summary>How the step size is chosen step by step (<see cref="OptimizerAttribute.StepControl"/>).</summary>
    public StepControl StepControl { get; init; }

    /// <summary>The 1-based stages whose implicit part reads the gradient: each is a nonlinear solve by Anderson-accelerated
    /// fixed-point iteration, one gradient evaluation per iteration.</summary>
    public IReadOnlyList<int> ImplicitGradientStages { get; init; } = Array.Empty<int>();

    /// <summary>The 1-based stages whose explicit part needs a gradient.</summary>
    public IReadOnlyList<int> GradientStages { get; init; } = Array.Empty<int>();

    /// <summary>Whether the last gradient of a step is reused as the first gradient of the next step.</summary>
    public bool FirstSameAsLast { get; init; }

    /// <summary>The state variables, theta first.</summary>
    public IReadOnlyList<string> StateVariables { get; init; } = Array.Empty<string>();

    /// <summary>The state variables stored as bfloat16 between steps ([StateStorage]); empty when all are float32.</summary>
    public IReadOnlyList<string> BFloat16StateVariables { get; init; } = Array.Empty<string>();

    /// <summary>The state variables stored as IEEE binary16 between steps ([StateStorage]); empty when none is.</summary>
    public IReadOnlyList<string> HalfStateVariables { get; init; } = Array.Empty<string>();

    /// <summary>With [ParameterStorage]: the bytes read and written per parameter by a step over bfloat16 parameter and
    /// gradient buffers (<see cref="IBFloat16ParameterOptimizer"/>); 0 when the optimizer offers no such step.</summary>
    public int BFloat16ParameterBytesPerParameterPerStep { get; init; }

    /// <summary>The largest beta with |R(x)| &lt;= 1 on [-beta, 0] for the explicit tableau's stability function
    /// R(z) = 1 + z b^T (I - zA)^{-1} 1. For gradient descent on an L-smooth convex loss with the gradient treated by
    /// this tableau, the step size must satisfy h &lt;= beta / L (forward Euler: |1 + h lambda| &lt;= 1, beta = 2). Where only
    /// implicit parts read the gradient (stages solved by iteration) and the implicit tableau is A-stable, it is
    /// +infinity: no step size is unstable on a convex quadratic.</summary>
    public double StabilityBound { get; init; } = double.NaN;

    /// <summary>For a scheme with an implicit part: whether the implicit tableau is A-stable (|R(z)| &lt;= 1 for Re z &lt;= 0);
    /// null without an implicit part.</summary>
    public bool? ImplicitAStable { get; init; }

    /// <summary>For a scheme with an implicit part: whether the implicit tableau is L-stable (A-stable and R(infinity) = 0);
    /// null without an implicit part.</summary>
    public bool? ImplicitLStable { get; init; }

    /// <summary>The hyperparameters, in declaration order.</summary>
    public IReadOnlyList<HyperparameterInfo> Hyperparameters { get; init; } = Array.Empty<HyperparameterInfo>();

    /// <summary>The conditions on the hyperparameters (<see cref="ConditionAttribute"/>) that
    /// <see cref="IOptimizer.Validate"/> checks, in declaration order.</summary>
    public IReadOnlyList<ConditionInfo> Conditions { get; init; } = Array.Empty<ConditionInfo>();

    /// <summary>The explicit tableau as declared.</summary>
    public string ExplicitTableau { get; init; } = "";

    /// <summary>The implicit tableau as declared, or empty.</summary>
    public string ImplicitTableau { get; init; } = "";

    /// <summary>Persistent arrays of ParameterCount floats kept between calls (the parameter buffer not counted).</summary>
    public int PersistentArrays { get; init; }

    /// <summary>Bytes read and written per parameter in one steady step (gradient and parameter buffer included), from the
    /// generated plan, with the default hyperparameters: per-step conditions such as flags pick specialized loops, so an
    /// option that is off (AMSGrad, momentum) costs no traffic.</summary>
    public int BytesPerParameterPerStep { get; init; }

    /// <summary>What the undo copy of a step adds to <see cref="BytesPerParameterPerStep"/> when the step runs through the
    /// gradient function with <see cref="ITrainingOptimizer.RollbackFailedSteps"/> on (the default): the first pass of a
    /// step of several gradient evaluations also stores the step-begin value of everything a later failure would have
    /// to put back (4 bytes per value, 8 where the pass did not read it). 0 for a scheme of one pass per step (nothing is
    /// written before its gradient exists) and with rollback off.</summary>
    public int RollbackBytesPerParameter { get; init; }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Name}: {Stages} stages, {GradientEvaluationsPerStep} gradient(s)/step{(FirstSameAsLast ? " (first same as last)" : "")}, {PersistentArrays} state array(s), {BytesPerParameterPerStep} B/parameter/step";
}
