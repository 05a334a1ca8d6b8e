using System;
using System.ComponentModel;

namespace OdeOpt.Runtime;

/// <summary>
/// The plan of a generated optimizer (its per-step values, passes and pass layout) as compact text, emitted by the
/// generator with every CPU form. A compilation that references the optimizer's assembly and ILGPU reads it to emit
/// the optimizer's GPU form, since a generator cannot read method bodies from a referenced assembly. Not for direct use;
/// the format is described in docs/gpu.md.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
public sealed class OptimizerPlanAttribute : Attribute
{
    /// <param name="optimizerType">The generated optimizer class.</param>
    /// <param name="plan">The plan text (first line: <c>odeopt-plan</c> and its format version).</param>
    public OptimizerPlanAttribute(Type optimizerType, string plan)
    {
        OptimizerType = optimizerType;
        Plan = plan;
    }

    /// <summary>The generated optimizer class.</summary>
    public Type OptimizerType { get; }

    /// <summary>The plan text.</summary>
    public string Plan { get; }
}
