using System;

namespace OdeOpt;

/// <summary>What a <see cref="ReductionAttribute"/> computes from its per-element expression <c>f</c> over one parameter
/// group.</summary>
public enum ReductionKind
{
    /// <summary>The Euclidean norm <c>sqrt(sum_i f_i^2)</c> (LARS's and LAMB's <c>||theta||</c> and <c>||update||</c>).</summary>
    Norm = 0,

    /// <summary>The sum <c>sum_i f_i</c>.</summary>
    Sum = 1,

    /// <summary>The largest magnitude <c>max_i |f_i|</c> (0 for an empty group; NaN when some <c>f_i</c> is NaN).</summary>
    MaxAbs = 2,
}

/// <summary>
/// Declares a <b>reduction</b>: one number per parameter group and stage, computed from a per-element expression over
/// the whole group, such as the norm of the parameters or of an update. The expression is the body of the static
/// <c>float</c> method the attribute is placed on; its parameters bind like a right-hand side's (<c>g</c>, state
/// variables, hyperparameters, <c>h</c>, <c>t</c>, step scalars). Explicit and implicit parts read the value by naming a
/// <c>float</c> parameter after the reduction.
/// </summary>
/// <example>LARS's trust ratio reads the norms of the parameters and of the gradient, per group:
/// <code>
/// [Reduction("thetaNorm", ReductionKind.Norm)] static float ThetaNorm(float theta) => theta;
/// [Reduction("gNorm", ReductionKind.Norm)] static float GNorm(float g) => g;
/// </code></example>
/// <remarks>The value at stage i is the reduction of the body evaluated at the stage's values (the stage value of each
/// state variable it reads, the gradient of the stage). It is computed in its own read-only pass over the group, in
/// double precision in fixed blocks combined in a fixed order (the same for any thread count), before the pass whose
/// bodies read it. Unsupported uses are the compile-time errors ODEOPT050 to ODEOPT053 (docs/diagnostics.md).</remarks>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class ReductionAttribute : Attribute
{
    /// <param name="name">The reduction's name, as bodies bind it (a C# identifier).</param>
    /// <param name="kind">What is computed from the body over a group.</param>
    public ReductionAttribute(string name, ReductionKind kind)
    {
        Name = name;
        Kind = kind;
    }

    /// <summary>The reduction's name.</summary>
    public string Name { get; }

    /// <summary>What is computed.</summary>
    public ReductionKind Kind { get; }
}
