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

    /// <inheritdoc/>
    public override string ToString()
    {
        string lo = double.IsNaN(Min) ? "(-inf" : (MinExclusive ? "(" : "[") + Min.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string hi = double.IsNaN(Max) ? "inf)" : Max.ToString(System.Globalization.CultureInfo.InvariantCulture) + (MaxExclusive ? ")" : "]");
        return $"{Name} = {DefaultValue.ToString(System.Globalization.CultureInfo.InvariantCulture)} in {lo}, {hi}{(IsStepSize ? " (step size h)" : "")}";
    }
}

/// <summary>What an optimizer is: its name, the scheme it integrates with, what a step costs.</summary>
public sealed class OptimizerInfo
{
    /// <summary>The registry name.</summary>
    public required string Name { get; init; }

    /// <summary>The optimizer's type.</summary>
    public required Type OptimizerType { get; init; }

    /// <summary>The order of the scheme: the declared <c>Order</c>, or 0 when none was declared.</summary>
    public int Order { get; init; }

    /// <summary>The number of stages s of the tableau pair.</summary>
    public int Stages { get; init; }

    /// <summary>Gradient evaluations per step in steady state (first-same-as-last reuse counted).</summary>
    public int GradientEvaluationsPerStep { get; init; }

    /// <summary>The 1-based stages whose explicit part needs a gradient.</summary>
    public IReadOnlyList<int> GradientStages { get; init; } = Array.Empty<int>();

    /// <summary>Whether the last gradient of a step is reused as the first gradient of the next step.</summary>
    public bool FirstSameAsLast { get; init; }

    /// <summary>The state variables, theta first.</summary>
    public IReadOnlyList<string> StateVariables { get; init; } = Array.Empty<string>();

    /// <summary>The largest beta with |R(x)| &lt;= 1 on [-beta, 0] for the explicit tableau's stability function, or NaN
    /// when not analysed.</summary>
    public double StabilityBound { get; init; } = double.NaN;

    /// <summary>The hyperparameters, in declaration order.</summary>
    public IReadOnlyList<HyperparameterInfo> Hyperparameters { get; init; } = Array.Empty<HyperparameterInfo>();

    /// <summary>The explicit tableau as declared.</summary>
    public string ExplicitTableau { get; init; } = "";

    /// <summary>The implicit tableau as declared, or empty.</summary>
    public string ImplicitTableau { get; init; } = "";

    /// <summary>Persistent arrays of ParameterCount floats kept between calls (the parameter buffer not counted).</summary>
    public int PersistentArrays { get; init; }

    /// <summary>Bytes read and written per parameter in one steady step, from the generated plan (gradient and
    /// parameter buffer included).</summary>
    public int BytesPerParameterPerStep { get; init; }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Name}: {Stages} stages, {GradientEvaluationsPerStep} gradient(s)/step{(FirstSameAsLast ? " (first same as last)" : "")}, {PersistentArrays} state array(s), {BytesPerParameterPerStep} B/parameter/step";
}
