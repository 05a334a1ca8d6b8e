using System;
using System.ComponentModel;

namespace OdeOpt.Runtime;

/// <summary>
/// The source text of an <see cref="OdeAttribute"/> class, emitted by the generator into the ODE's assembly, so that a
/// compilation referencing the assembly can declare optimizers of that ODE (a generator cannot read method bodies from
/// a referenced assembly). Not for direct use.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
public sealed class OdeSourceAttribute : Attribute
{
    /// <param name="odeType">The [Ode] class.</param>
    /// <param name="source">Its declaration as C# source, with the usings and namespace it needs.</param>
    public OdeSourceAttribute(Type odeType, string source)
    {
        OdeType = odeType;
        Source = source;
    }

    /// <summary>The [Ode] class.</summary>
    public Type OdeType { get; }

    /// <summary>Its declaration as C# source.</summary>
    public string Source { get; }
}
