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

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> unless a flag's numeric value is 0 or 1.</summary>
    public static void Flag(float value, string name)
    {
        if (value == 0f || value == 1f) return;
        throw new ArgumentOutOfRangeException(name, value,
            $"The flag {name} must be 0 (false) or 1 (true); it is {value.ToString("R", CultureInfo.InvariantCulture)}. Nothing was changed.");
    }
}
