using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace OdeOpt;

/// <summary>A <see cref="ConditionAttribute"/> condition that the hyperparameters violate, as returned by
/// <see cref="IOptimizer.Validate"/>.</summary>
public sealed class HyperparameterWarning
{
    /// <param name="condition">The condition as declared.</param>
    /// <param name="reference">Where the condition comes from, or null.</param>
    /// <param name="values">The values of the hyperparameters the condition reads, by their camelCase names.</param>
    /// <param name="group">The parameter group whose values violate it, or null for the optimizer's own values.</param>
    public HyperparameterWarning(string condition, string? reference, IReadOnlyList<KeyValuePair<string, float>> values, string? group = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(values);
        Condition = condition;
        Reference = reference;
        Values = values;
        Group = group;
    }

    /// <summary>The condition as declared, for example <c>3 + beta2 &gt; 4 * beta1</c>.</summary>
    public string Condition { get; }

    /// <summary>Where the condition comes from, or null.</summary>
    public string? Reference { get; }

    /// <summary>The values of the hyperparameters the condition reads, by their camelCase names, in the order the
    /// condition reads them.</summary>
    public IReadOnlyList<KeyValuePair<string, float>> Values { get; }

    /// <summary>The name of the parameter group whose values violate the condition, or null for the optimizer's own values.</summary>
    public string? Group { get; }

    /// <summary>For example <c>3 + beta2 &gt; 4 * beta1 does not hold for beta1 = 0.95, beta2 = 0.9 (Belotto da Silva &amp; Gazeau, JMLR 2020)</c>.</summary>
    public override string ToString() =>
        (Group is null ? "" : "parameter group '" + Group + "': ") + Condition + " does not hold" +
        (Values.Count == 0 ? "" : " for " + string.Join(", ", Values.Select(v => v.Key + " = " + v.Value.ToString(CultureInfo.InvariantCulture)))) +
        (Reference is null ? "" : " (" + Reference + ")");
}
