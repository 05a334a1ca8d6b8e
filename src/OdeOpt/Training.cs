using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace OdeOpt;

/// <summary>What a step does when the gradient it is given contains NaN or an infinity.</summary>
public enum NonFiniteGradientPolicy
{
    /// <summary>Use it as it is (like torch.optim): NaN and infinities flow into the parameters and the state. No cost.</summary>
    Propagate,
    /// <summary>Throw <see cref="NotFiniteNumberException"/> before anything is written. Costs one read of the gradient per evaluation.</summary>
    Throw,
    /// <summary>Skip the pass: parameters, state and step count stay exactly as they were and
    /// <see cref="ITrainingOptimizer.SkippedSteps"/> is incremented. Costs one read of the gradient per evaluation.</summary>
    SkipStep,
}

/// <summary>The training controls every generated optimizer offers besides <see cref="IOptimizer"/>: parameter groups,
/// hyperparameter schedules, gradient clipping and the non-finite gradient policy. All act inside the fused passes;
/// none allocates per step.</summary>
public interface ITrainingOptimizer : IOptimizer
{
    /// <summary>Segments of the flat parameter buffer with their own hyperparameter values. Parameters outside every
    /// group use the optimizer's own hyperparameters. Checked when a step begins.</summary>
    ParameterGroupCollection Groups { get; }

    /// <summary>Sets (or, with null, removes) the schedule of a hyperparameter: at step t the value used is
    /// <c>schedule.Evaluate(t, value)</c>, where value is the optimizer's or the group's own value.</summary>
    /// <exception cref="ArgumentException">No hyperparameter has that name.</exception>
    void SetSchedule(string hyperparameter, Schedule? schedule);

    /// <summary>The schedule of a hyperparameter, or null.</summary>
    Schedule? GetSchedule(string hyperparameter);

    /// <summary>A hyperparameter's value by its property name.</summary>
    float GetHyperparameter(string name);

    /// <summary>Sets a hyperparameter by its property name (checked when the next step begins).</summary>
    void SetHyperparameter(string name, float value);

    /// <summary>The value a hyperparameter takes at step <paramref name="step"/> in a group (null: outside every group),
    /// schedule applied.</summary>
    float GetEffectiveHyperparameter(string name, long step, ParameterGroup? group = null);

    /// <summary>Clip the gradient by its global L2 norm: g &lt;- g min(1, max / (||g|| + 1e-6)) (torch's
    /// clip_grad_norm_). +infinity (the default) disables it; otherwise it costs one read of the gradient.</summary>
    double GradientClipNorm { get; set; }

    /// <summary>Clip every gradient component to [-max, max] (torch's clip_grad_value_), after norm clipping.
    /// +infinity (the default) disables it. Fused into the step: no extra pass.</summary>
    double GradientClipValue { get; set; }

    /// <summary>What to do with a gradient that contains NaN or an infinity (default <see cref="NonFiniteGradientPolicy.Propagate"/>).</summary>
    NonFiniteGradientPolicy NonFiniteGradients { get; set; }

    /// <summary>Passes skipped under <see cref="NonFiniteGradientPolicy.SkipStep"/>.</summary>
    long SkippedSteps { get; }

    /// <summary>The L2 norm of the last gradient, when it was computed (norm clipping or a non-finite check); NaN otherwise.</summary>
    double LastGradientNorm { get; }

    /// <summary>The most threads a pass may use (default: all cores). Results do not depend on it.</summary>
    int MaxDegreeOfParallelism { get; set; }

    /// <summary>Whether a step of several gradient evaluations, taken through a closure form, is a transaction (default
    /// true): a failure at any evaluation, or a later gradient refused under <see cref="NonFiniteGradientPolicy.Throw"/>
    /// or <see cref="NonFiniteGradientPolicy.SkipStep"/>, leaves parameters, state and step count as they were. It costs
    /// one copy of the parameters and the state arrays per such step (none for one-gradient schemes). Off, that copy is
    /// saved; a failed step is then left part-way and every later <c>Step</c> throws <see cref="InvalidOperationException"/>
    /// until <see cref="IOptimizer.Reset"/> or <see cref="IOptimizer.LoadState"/>, and a pass skipped under SkipStep is
    /// resumed by the next call.</summary>
    /// <remarks>The default implementation, for implementations written before this member, has no rollback.</remarks>
    bool RollbackFailedSteps
    {
        get => false;
        set { if (value) throw new NotSupportedException($"{GetType().Name} does not roll back failed steps."); }
    }
}

/// <summary>A segment [Offset, Offset + Count) of the parameter buffer with hyperparameter overrides, for example no
/// weight decay on biases or a smaller learning rate for one layer.</summary>
public sealed class ParameterGroup
{
    private readonly Dictionary<string, float> _overrides = new(StringComparer.Ordinal);
    internal ParameterGroupCollection? Owner { get; set; }

    /// <param name="offset">The first parameter of the group.</param>
    /// <param name="count">The number of parameters.</param>
    /// <param name="name">A name for messages and reports.</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative offset or a count that is not positive.</exception>
    public ParameterGroup(int offset, int count, string? name = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        Offset = offset;
        Count = count;
        Name = name ?? $"[{offset}, {offset + count})";
    }

    /// <summary>The first parameter of the group.</summary>
    public int Offset { get; }

    /// <summary>The number of parameters.</summary>
    public int Count { get; }

    /// <summary>A name for messages.</summary>
    public string Name { get; }

    /// <summary>The override of a hyperparameter (by property name), or null when the group uses the optimizer's value.
    /// Setting null removes the override.</summary>
    public float? this[string hyperparameter]
    {
        get => _overrides.TryGetValue(hyperparameter, out var v) ? v : null;
        set
        {
            ArgumentNullException.ThrowIfNull(hyperparameter);
            if (value is float f && _overrides.ContainsKey(hyperparameter))
            {
                // A new value of an existing override (a scheduler's learning rate): the layout stays, only values change.
                _overrides[hyperparameter] = f;
                Owner?.TouchValues();
                return;
            }
            if (value is float g) _overrides[hyperparameter] = g;
            else if (!_overrides.Remove(hyperparameter)) return;
            Owner?.Touch();
        }
    }

    /// <summary>The overrides, by property name.</summary>
    public IReadOnlyDictionary<string, float> Overrides => _overrides;

    /// <summary>The overrides as their dictionary (enumerated without allocating, in the same order as <see cref="Overrides"/>).</summary>
    internal Dictionary<string, float> OverrideTable => _overrides;

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {string.Join(", ", _overrides.Select(kv => kv.Key + " = " + kv.Value.ToString(CultureInfo.InvariantCulture)))}";
}

/// <summary>The parameter groups of an optimizer; they must not overlap and must lie inside the parameter buffer.</summary>
public sealed class ParameterGroupCollection : IList<ParameterGroup>
{
    private readonly List<ParameterGroup> _groups = new();

    /// <summary>Changes when groups or their sets of overrides change (the layout).</summary>
    internal int Version { get; private set; }

    /// <summary>Changes when an existing override gets a new value.</summary>
    internal int ValuesVersion { get; private set; }

    internal void Touch() => Version++;

    internal void TouchValues() => ValuesVersion++;

    /// <summary>Adds a group and returns it (for chaining overrides).</summary>
    public ParameterGroup Add(int offset, int count, string? name = null)
    {
        var g = new ParameterGroup(offset, count, name);
        Add(g);
        return g;
    }

    /// <inheritdoc/>
    public ParameterGroup this[int index]
    {
        get => _groups[index];
        set
        {
            Adopt(value);
            _groups[index].Owner = null;
            _groups[index] = value;
            Touch();
        }
    }

    /// <inheritdoc/>
    public int Count => _groups.Count;
    /// <inheritdoc/>
    public bool IsReadOnly => false;

    /// <inheritdoc/>
    public void Add(ParameterGroup item)
    {
        Adopt(item);
        _groups.Add(item);
        Touch();
    }

    /// <inheritdoc/>
    public void Clear()
    {
        foreach (var g in _groups) g.Owner = null;
        _groups.Clear();
        Touch();
    }

    /// <inheritdoc/>
    public bool Contains(ParameterGroup item) => _groups.Contains(item);
    /// <inheritdoc/>
    public void CopyTo(ParameterGroup[] array, int arrayIndex) => _groups.CopyTo(array, arrayIndex);
    /// <inheritdoc/>
    public IEnumerator<ParameterGroup> GetEnumerator() => _groups.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => _groups.GetEnumerator();
    /// <inheritdoc/>
    public int IndexOf(ParameterGroup item) => _groups.IndexOf(item);

    /// <inheritdoc/>
    public void Insert(int index, ParameterGroup item)
    {
        Adopt(item);
        _groups.Insert(index, item);
        Touch();
    }

    /// <inheritdoc/>
    public bool Remove(ParameterGroup item)
    {
        if (!_groups.Remove(item)) return false;
        item.Owner = null;
        Touch();
        return true;
    }

    /// <inheritdoc/>
    public void RemoveAt(int index)
    {
        _groups[index].Owner = null;
        _groups.RemoveAt(index);
        Touch();
    }

    private void Adopt(ParameterGroup item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (item.Owner is not null && item.Owner != this) throw new ArgumentException("The group already belongs to another optimizer.", nameof(item));
        item.Owner = this;
    }
}

/// <summary>A hyperparameter schedule: the value to use at step t (1-based) given the base value.</summary>
/// <remarks>Schedules are functions of the step index alone, so a checkpoint restores them by the step count.</remarks>
public abstract class Schedule
{
    /// <summary>The value at step <paramref name="step"/> (1-based) for the base value <paramref name="baseValue"/>.</summary>
    public abstract double Evaluate(long step, double baseValue);

    /// <summary>The base value at every step.</summary>
    public static Schedule Constant() => new Fn(static (_, v) => v, "constant");

    /// <summary>base * gamma^floor((t - 1) / stepSize) (torch's StepLR).</summary>
    public static Schedule Step(long stepSize, double gamma)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stepSize);
        CheckFinite(gamma, nameof(gamma));
        return new Fn((t, v) => v * Math.Pow(gamma, (t - 1) / stepSize), $"step({stepSize}, {gamma})");
    }

    /// <summary>base * gamma^(t - 1) (torch's ExponentialLR).</summary>
    public static Schedule Exponential(double gamma)
    {
        CheckFinite(gamma, nameof(gamma));
        return new Fn((t, v) => v * Math.Pow(gamma, t - 1), $"exponential({gamma})");
    }

    /// <summary>min + (base - min) (1 + cos(pi (t - 1) / totalSteps)) / 2 for t - 1 &lt;= totalSteps, then min
    /// (torch's CosineAnnealingLR without restarts).</summary>
    public static Schedule Cosine(long totalSteps, double minValue = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalSteps);
        CheckFinite(minValue, nameof(minValue));
        return new Fn((t, v) => CosineAt(Math.Min(t - 1, totalSteps), totalSteps, v, minValue), $"cosine({totalSteps}, {minValue})");
    }

    /// <summary>Linear warm-up from 0 to base over the first <paramref name="warmupSteps"/> steps (value base t / warmup),
    /// then cosine decay to <paramref name="minValue"/> at step <paramref name="totalSteps"/>.</summary>
    public static Schedule WarmupCosine(long warmupSteps, long totalSteps, double minValue = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        if (totalSteps <= warmupSteps) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "The schedule must last longer than its warm-up.");
        CheckFinite(minValue, nameof(minValue));
        return new Fn((t, v) => t <= warmupSteps
            ? v * t / warmupSteps
            : CosineAt(Math.Min(t - warmupSteps, totalSteps - warmupSteps), totalSteps - warmupSteps, v, minValue), $"warmup-cosine({warmupSteps}, {totalSteps}, {minValue})");
    }

    /// <summary>Absolute values at given steps, linear in between and constant outside (the base value is ignored).
    /// For example the sigma schedule of Nakerst et al.: <c>Piecewise((1, 5), (500, 2))</c>.</summary>
    public static Schedule Piecewise(params (long Step, double Value)[] points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Length == 0) throw new ArgumentException("A piecewise schedule needs at least one point.", nameof(points));
        var sorted = points.OrderBy(p => p.Step).ToArray();
        for (int i = 0; i < sorted.Length; i++)
        {
            CheckFinite(sorted[i].Value, nameof(points));
            if (i > 0 && sorted[i].Step == sorted[i - 1].Step) throw new ArgumentException($"Two points at step {sorted[i].Step}.", nameof(points));
        }
        return new Fn((t, _) =>
        {
            if (t <= sorted[0].Step) return sorted[0].Value;
            for (int i = 1; i < sorted.Length; i++)
            {
                if (t <= sorted[i].Step)
                {
                    var (s0, v0) = sorted[i - 1];
                    var (s1, v1) = sorted[i];
                    return v0 + (v1 - v0) * (t - s0) / (double)(s1 - s0);
                }
            }
            return sorted[^1].Value;
        }, "piecewise(" + string.Join(", ", sorted.Select(p => $"{p.Step}: {p.Value}")) + ")");
    }

    /// <summary>A schedule from a function of (step, base value).</summary>
    public static Schedule FromFunction(Func<long, double, double> function, string description = "custom")
    {
        ArgumentNullException.ThrowIfNull(function);
        return new Fn(function, description);
    }

    private static double CosineAt(long elapsed, long total, double v, double min) =>
        min + (v - min) * (1 + Math.Cos(Math.PI * elapsed / total)) / 2;

    private static void CheckFinite(double value, string name)
    {
        if (!double.IsFinite(value)) throw new ArgumentOutOfRangeException(name, value, "must be finite");
    }

    private sealed class Fn : Schedule
    {
        private readonly Func<long, double, double> _f;
        private readonly string _description;
        public Fn(Func<long, double, double> f, string description) { _f = f; _description = description; }
        public override double Evaluate(long step, double baseValue) => _f(step, baseValue);
        public override string ToString() => _description;
    }
}
