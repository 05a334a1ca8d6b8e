using System;
using System.ComponentModel;
using System.Globalization;

namespace OdeOpt.Runtime;

/// <summary>Argument checks used by generated code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Check
{
    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> unless <paramref name="value"/> is finite and inside
    /// the range (NaN bounds mean unbounded).</summary>
    public static void Hyperparameter(float value, string name, double min, bool minExclusive, double max, bool maxExclusive)
    {
        bool ok = float.IsFinite(value)
                  && (double.IsNaN(min) || (minExclusive ? value > min : value >= min))
                  && (double.IsNaN(max) || (maxExclusive ? value < max : value <= max));
        if (ok) return;
        string lo = double.IsNaN(min) ? "(-infinity" : (minExclusive ? "(" : "[") + min.ToString("R", CultureInfo.InvariantCulture);
        string hi = double.IsNaN(max) ? "infinity)" : max.ToString("R", CultureInfo.InvariantCulture) + (maxExclusive ? ")" : "]");
        throw new ArgumentOutOfRangeException(name, value,
            $"The hyperparameter {name} must be finite and in {lo}, {hi}; it is {value.ToString("R", CultureInfo.InvariantCulture)}. Nothing was changed.");
    }
}
