using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace OdeOpt.Runtime;

/// <summary>Process-wide settings of the kernel drivers.</summary>
public static class KernelSettings
{
    private static long s_parallelThreshold = 1 << 21;

    /// <summary>Segments shorter than this run on one thread. Default 2,097,152: in a training loop the workers fall asleep
    /// while the gradient is computed, and waking them costs more than sharing a smaller pass saves (measured crossover in
    /// docs/benchmarks.md; steps run back to back gain from 131,072 on).</summary>
    public static long ParallelThreshold
    {
        get => s_parallelThreshold;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            s_parallelThreshold = value;
        }
    }
}

/// <summary>
/// The runtime half of every generated optimizer: buffer validation, the pass cycle (pipelined first-same-as-last
/// steps included), parameter groups and schedules, gradient clipping and the non-finite policy, threading, and
/// state save/load. The generator derives each [Optimizer] class from it and supplies the per-step uniforms and the
/// fused passes.
/// </summary>
/// <typeparam name="TUniforms">The generated struct of per-step hoisted values.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract unsafe partial class OptimizerCore<TUniforms> : ITrainingOptimizer, IPassRunner where TUniforms : unmanaged
{
    private const int NormPass = -1;

    /// <summary>A piece of the parameter buffer with the uniforms its passes use: those of the step being finished
    /// (Prev) and of the step in progress (Cur).</summary>
    internal struct Segment
    {
        public long Start;
        public long End;
        public int Piece;
        public TUniforms Prev;
        public TUniforms Cur;
        public TUniforms Next;
    }

    private readonly OptimizerInfo _info;
    private readonly SchemeLayout _layout;
    private readonly float[]?[] _arrays;
    private readonly nint[] _arrayPointers;
    private int _missingArrays; // optional arrays not allocated yet (bit i: array i); they hold 0 everywhere
    private readonly int _hyperCount;
    private readonly Schedule?[] _schedules;
    private float[]? _gradientScratch;
    private double[]? _normPartials;
    private float* _parameters;
    private float* _gradient;
    private float* _output;
    private TUniforms _previous;
    private TUniforms _current;
    private TUniforms _next;
    private int _phase;
    private bool _started;
    private bool _initialized;
    private int _maxDegreeOfParallelism = Environment.ProcessorCount;

    // Segments of the buffer with their uniforms (one without groups).
    private Segment[] _segments = new Segment[1];
    private int _segmentCount;
    private Segment[] _segmentScratch = new Segment[2];

    // The group layout: pieces covering [0, N), each with the group it belongs to (-1: none), rebuilt when the groups change.
    private (long Start, long End, int Group)[] _pieces = new (long, long, int)[1];
    private int _pieceCount;
    private int _piecesVersion = -1;
    private int _valuesVersion;
    private TUniforms[] _newUniforms = new TUniforms[1];
    private float[] _pieceValues = new float[1];
    private float[] _hyperScratch;
    private int[][] _groupOverrideIndex = Array.Empty<int[]>();
    private float[][] _groupOverrideValue = Array.Empty<float[]>();

    private readonly GradientControls _controls = new();

    /// <summary>Allocates the persistent arrays (pinned, zeroed).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parameterCount"/> is not positive.</exception>
    protected OptimizerCore(int parameterCount, OptimizerInfo info, SchemeLayout layout)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parameterCount);
        ParameterCount = parameterCount;
        _info = info;
        _layout = layout;
        _hyperCount = info.Hyperparameters.Count;
        _schedules = new Schedule?[_hyperCount];
        _hyperScratch = new float[Math.Max(1, _hyperCount)];
        _arrays = new float[]?[layout.ArrayCount];
        _arrayPointers = new nint[layout.ArrayCount];
        // Optional arrays (untouched under some flags, such as AMSGrad's maximum) wait for the first pass that needs them.
        for (int i = 0; i < _arrays.Length; i++)
            if ((layout.OptionalArrays >> i & 1) == 0) AllocateArray(i);
            else _missingArrays |= 1 << i;
        Groups = new ParameterGroupCollection();
        ResetSegments();
    }

    OptimizerInfo IOptimizer.Info => _info;

    /// <inheritdoc/>
    public int ParameterCount { get; }

    /// <inheritdoc/>
    public long StepCount { get; private set; }

    /// <inheritdoc/>
    public int MaxDegreeOfParallelism
    {
        get => _maxDegreeOfParallelism;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            _maxDegreeOfParallelism = value;
        }
    }

    /// <inheritdoc/>
    public ParameterGroupCollection Groups { get; }

    /// <inheritdoc/>
    public double GradientClipNorm { get => _controls.ClipNorm; set => _controls.ClipNorm = value; }

    /// <inheritdoc/>
    public double GradientClipValue { get => _controls.ClipValue; set => _controls.ClipValue = value; }

    /// <inheritdoc/>
    public NonFiniteGradientPolicy NonFiniteGradients { get => _controls.Policy; set => _controls.Policy = value; }

    /// <inheritdoc/>
    public long SkippedSteps => _controls.SkippedSteps;

    /// <inheritdoc/>
    public double LastGradientNorm => _controls.LastNorm;

    // ------------------------------------------------------------------ members the generator implements

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> (named after the property) for a non-finite or
    /// out-of-range hyperparameter value; <paramref name="values"/> is in declaration order.</summary>
    protected abstract void ValidateHyperparameters(ReadOnlySpan<float> values);

    /// <summary>The hoisted per-step values of step <paramref name="t"/> (1-based) for the given hyperparameter values.</summary>
    protected abstract TUniforms ComputeUniforms(long t, ReadOnlySpan<float> values);

    /// <summary>True when the uniforms hold per-step scalar recurrences ([StepScalar]), so that step t's uniforms depend on
    /// step t-1's of the same parameters.</summary>
    protected virtual bool HasStepScalars => false;

    /// <summary>The uniforms of step <paramref name="t"/> given <paramref name="previous"/>, the uniforms of step t-1 of
    /// the same parameters (ignored at t = 1). Without step scalars, the two-argument form.</summary>
    protected virtual TUniforms ComputeUniforms(long t, ReadOnlySpan<float> values, in TUniforms previous) => ComputeUniforms(t, values);

    /// <summary>Runs pass <paramref name="pass"/> over elements [start, end) with <see cref="Previous"/> and <see cref="Current"/>.</summary>
    protected abstract void RunPass(int pass, nint start, nint end);

    /// <summary>Copies the hyperparameter properties, in declaration order.</summary>
    protected abstract void GetHyperparameters(Span<float> values);

    /// <summary>Sets the hyperparameter properties, in declaration order.</summary>
    protected abstract void SetHyperparameters(ReadOnlySpan<float> values);

    void IPassRunner.RunPass(int pass, nint start, nint end)
    {
        if (pass == NormPass) NormOfBlocks(start, end);
        else RunPass(pass, start, end);
    }

    /// <summary>The parameter buffer of the pass in progress.</summary>
    protected ref float ParameterRef => ref *_parameters;

    /// <summary>The gradient of the pass in progress.</summary>
    protected ref float GradientRef => ref *_gradient;

    /// <summary>The output buffer of an iterate-recovery pass.</summary>
    protected ref float OutputRef => ref *_output;

    /// <summary>Persistent array <paramref name="slot"/> (a null reference for an optional array no pass has needed yet:
    /// the passes that would dereference it allocate it first).</summary>
    protected ref float StateRef(int slot) => ref Unsafe.AsRef<float>((void*)_arrayPointers[slot]);

    /// <summary>The state arrays (bit i: array i) that pass <paramref name="pass"/> reads or writes under the flags of
    /// <see cref="Current"/>. Generated for layouts with optional arrays; all arrays otherwise.</summary>
    protected virtual int ArraysTouched(int pass) => -1;

    private void AllocateArray(int i)
    {
        _arrays[i] = GC.AllocateArray<float>(ParameterCount, pinned: true);
        _arrayPointers[i] = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_arrays[i]!));
        _missingArrays &= ~(1 << i);
    }

    /// <summary>Allocates (zeroed: their value so far) the optional arrays the coming pass touches.</summary>
    private void AllocateTouchedArrays(int pass)
    {
        int needed = ArraysTouched(pass) & _missingArrays;
        for (int i = 0; needed != 0; i++, needed >>= 1)
            if ((needed & 1) != 0) AllocateArray(i);
    }

    /// <summary>The uniforms of the step the pass finishes (of the step before a step-beginning pass).</summary>
    protected ref readonly TUniforms Previous => ref _previous;

    /// <summary>The uniforms of the step in progress.</summary>
    protected ref readonly TUniforms Current => ref _current;

    /// <summary>The uniforms the next step will begin with, as far as they are known when the step in progress ends
    /// (hyperparameters as set now, schedules at the next step): the first gradient point of the next step is written
    /// with them.</summary>
    protected ref readonly TUniforms Next => ref _next;

    /// <summary>The factor the gradient is multiplied by (norm clipping; 1 otherwise).</summary>
    protected float GradientScale => _controls.Scale;

    /// <summary>Every gradient component is clamped to [-GradientLimit, GradientLimit] (+infinity: no clipping).</summary>
    protected float GradientLimit => _controls.Limit;

    // ------------------------------------------------------------------ hyperparameters by name

    private int HyperIndex(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        for (int i = 0; i < _hyperCount; i++)
            if (_info.Hyperparameters[i].Name == name) return i;
        throw new ArgumentException($"'{_info.Name}' has no hyperparameter '{name}'. It has: {string.Join(", ", System.Linq.Enumerable.Select(_info.Hyperparameters, h => h.Name))}.", nameof(name));
    }

    /// <inheritdoc/>
    public IReadOnlyList<HyperparameterWarning> Validate()
    {
        if (_info.Conditions.Count == 0) return Array.Empty<HyperparameterWarning>();
        var warnings = new List<HyperparameterWarning>();
        var values = new float[_hyperCount];
        GetHyperparameters(values);
        CheckConditions(values, null, warnings);
        foreach (var group in Groups)
        {
            if (group.Overrides.Count == 0) continue;
            var groupValues = (float[])values.Clone();
            foreach (var (name, value) in group.Overrides)
            {
                for (int i = 0; i < _hyperCount; i++)
                    if (_info.Hyperparameters[i].Name == name) groupValues[i] = value;
            }
            CheckConditions(groupValues, group.Name, warnings);
        }
        return warnings;
    }

    /// <summary>Adds a warning to <paramref name="warnings"/> for every declared condition that <paramref name="values"/>
    /// (hyperparameters in declaration order) violate; generated for optimizers with conditions.</summary>
    /// <param name="values">The hyperparameter values.</param>
    /// <param name="group">The parameter group the values are those of, or null.</param>
    /// <param name="warnings">Receives the warnings.</param>
    protected virtual void CheckConditions(ReadOnlySpan<float> values, string? group, List<HyperparameterWarning> warnings)
    {
    }

    /// <inheritdoc/>
    public float GetHyperparameter(string name)
    {
        int k = HyperIndex(name);
        Span<float> values = stackalloc float[_hyperCount];
        GetHyperparameters(values);
        return values[k];
    }

    /// <inheritdoc/>
    public void SetHyperparameter(string name, float value)
    {
        int k = HyperIndex(name);
        Span<float> values = stackalloc float[_hyperCount];
        GetHyperparameters(values);
        values[k] = value;
        SetHyperparameters(values);
    }

    /// <inheritdoc/>
    public void SetSchedule(string hyperparameter, Schedule? schedule) => _schedules[HyperIndex(hyperparameter)] = schedule;

    /// <inheritdoc/>
    public Schedule? GetSchedule(string hyperparameter) => _schedules[HyperIndex(hyperparameter)];

    /// <inheritdoc/>
    public float GetEffectiveHyperparameter(string name, long step, ParameterGroup? group = null)
    {
        int k = HyperIndex(name);
        float value = group?[name] ?? GetHyperparameter(name);
        return _schedules[k] is { } s ? (float)s.Evaluate(step, value) : value;
    }

    // ------------------------------------------------------------------ stepping

    /// <summary>One pass with a gradient the caller computed at the current parameter buffer.</summary>
    protected void StepWithGradient(Span<float> parameters, ReadOnlySpan<float> gradient)
    {
        CheckLength(parameters.Length, nameof(parameters));
        CheckLength(gradient.Length, nameof(gradient));
        if (parameters.Overlaps(gradient))
            throw new ArgumentException("The gradient buffer must not overlap the parameter buffer.", nameof(gradient));
        RunNextPass(parameters, gradient);
    }

    /// <inheritdoc/>
    public void Step(Span<float> parameters, GradientFunction gradient)
    {
        CheckLength(parameters.Length, nameof(parameters));
        ArgumentNullException.ThrowIfNull(gradient);
        PrepareStepBegin(validateOnly: true);
        var scratch = _gradientScratch ??= GC.AllocateArray<float>(ParameterCount, pinned: true);
        RunStep(parameters, scratch, gradient);
    }

    /// <inheritdoc/>
    public void Step(Span<float> parameters, Span<float> gradient, GradientFunction evaluate)
    {
        CheckLength(parameters.Length, nameof(parameters));
        CheckLength(gradient.Length, nameof(gradient));
        ArgumentNullException.ThrowIfNull(evaluate);
        if (parameters.Overlaps(gradient))
            throw new ArgumentException("The gradient buffer must not overlap the parameter buffer.", nameof(gradient));
        PrepareStepBegin(validateOnly: true);
        RunStep(parameters, gradient, evaluate);
    }

    /// <summary>The passes of one step, each after one evaluation into <paramref name="gradient"/>. A step of several
    /// passes is a transaction: when an evaluation after the first throws, or a later pass refuses its gradient (a
    /// non-finite one under Throw or SkipStep), parameters, state and step count are put back as they were when the
    /// step began (<see cref="StepSnapshot"/>), so a failure at any evaluation leaves nothing half done.</summary>
    private void RunStep(Span<float> parameters, Span<float> gradient, GradientFunction evaluate)
    {
        evaluate(parameters, gradient); // nothing has changed yet if it throws
        bool onePass = _layout.Cycle.Length == 1 || (_layout.StartPass >= 0 && !_started);
        if (onePass)
        {
            RunNextPass(parameters, gradient); // false: skipped under SkipStep, nothing changed
            return;
        }
        (_snapshot ??= new StepSnapshot()).Take(this, parameters);
        bool restore = true;
        try
        {
            if (!RunNextPass(parameters, gradient)) { restore = false; return; } // the first pass refused: nothing changed
            while (!AtRest)
            {
                evaluate(parameters, gradient);
                if (!RunNextPass(parameters, gradient)) return; // a later pass skipped (SkipStep): the whole step is undone
            }
            restore = false;
        }
        finally
        {
            if (restore) _snapshot.Restore(this, parameters);
        }
    }

    private StepSnapshot? _snapshot;

    private bool AtRest => _phase == 0 && (_layout.StartPass < 0 || _started);

    private bool NextPassBeginsStep(out int pass, out bool starting)
    {
        starting = _layout.StartPass >= 0 && !_started;
        pass = starting ? _layout.StartPass : _layout.Cycle[_phase];
        return _layout.BeginsStep[pass];
    }

    /// <summary>Runs the next pass. Returns false when the pass was skipped (non-finite gradient, SkipStep).</summary>
    private bool RunNextPass(Span<float> parameters, ReadOnlySpan<float> gradient)
    {
        bool begins = NextPassBeginsStep(out int pass, out bool starting);
        if (begins) PrepareStepBegin(validateOnly: false); // hyperparameters and groups checked; nothing committed

        fixed (float* p = parameters)
        fixed (float* g = gradient)
        {
            _parameters = p;
            _gradient = g;
            try
            {
                if (!PrepareGradient()) return false;
                if (begins) CommitStepBegin();
                if (!_initialized)
                {
                    if (_layout.InitPass >= 0) Execute(_layout.InitPass);
                    _initialized = true;
                }
                if (_layout.StartPass < 0 && _phase == _layout.Cycle.Length - 1) PreviewNextStep(begins ? StepCount + 2 : StepCount + 1);
                Execute(pass);
            }
            finally
            {
                _parameters = null;
                _gradient = null;
            }
        }

        if (begins) StepCount++;
        if (starting) _started = true;
        else _phase = (_phase + 1) % _layout.Cycle.Length;
        return true;
    }

    /// <summary>Norm clipping and the non-finite check: one read of the gradient, when either is on.</summary>
    private bool PrepareGradient() =>
        !_controls.NeedsNorm() || _controls.Accept(GradientSumOfSquares(), _info.Name, StepCount + (NextPassBeginsStep(out _, out _) ? 1 : 0));

    private double GradientSumOfSquares()
    {
        int blocks = (int)((ParameterCount + PassScheduler.BlockSize - 1) / PassScheduler.BlockSize);
        var partials = _normPartials ??= new double[blocks];
        int threads = ParameterCount >= KernelSettings.ParallelThreshold ? _maxDegreeOfParallelism : 1;
        PassScheduler.Run(this, NormPass, 0, ParameterCount, threads);
        double sum = 0;
        for (int b = 0; b < blocks; b++) sum += partials[b]; // fixed order: the same for any thread count
        return sum;
    }

    private void NormOfBlocks(nint start, nint end)
    {
        for (nint b = start; b < end; b += PassScheduler.BlockSize)
            _normPartials![b / PassScheduler.BlockSize] = SumOfSquares(_gradient + b, (int)Math.Min(PassScheduler.BlockSize, end - b));
    }

    /// <summary>Sum of squares in double, vectorized with a fixed association (deterministic).</summary>
    private static double SumOfSquares(float* x, int n)
    {
        int i = 0;
        double total = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var a0 = Vector256<double>.Zero;
            var a1 = Vector256<double>.Zero;
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var (lo, hi) = Vector256.Widen(Vector256.Load(x + i));
                a0 += lo * lo;
                a1 += hi * hi;
            }
            total = Vector256.Sum(a0 + a1);
        }
        for (; i < n; i++) total += (double)x[i] * x[i];
        return total;
    }

    // ------------------------------------------------------------------ step begin: groups, schedules, uniforms

    /// <summary>Checks groups and hyperparameters for the step about to begin and computes its uniforms into scratch
    /// space; commits nothing.</summary>
    private void PrepareStepBegin(bool validateOnly)
    {
        if (Groups.Version != _piecesVersion) BuildPieces();
        else if (Groups.ValuesVersion != _valuesVersion) RefreshOverrideValues();
        long t = StepCount + 1;
        Span<float> baseValues = stackalloc float[_hyperCount];
        Span<float> values = stackalloc float[_hyperCount];
        GetHyperparameters(baseValues);
        for (int k = 0; k < _pieceCount; k++)
        {
            int group = ValuesOfPiece(k, t, baseValues, values);
            try
            {
                ValidateHyperparameters(values);
            }
            catch (ArgumentOutOfRangeException e) when (group >= 0 || HasSchedules())
            {
                string where = (group >= 0 ? $" in parameter group '{Groups[group].Name}'" : "") + (HasSchedules() ? $" at step {t} (schedules applied)" : "");
                throw new ArgumentOutOfRangeException(e.ParamName, e.ActualValue, e.Message.Split(" (Parameter")[0] + where);
            }
            if (validateOnly) continue;
            // With step scalars the uniforms depend on the previous step's of the same parameters: computed at commit.
            if (HasStepScalars) values.CopyTo(_pieceValues.AsSpan(k * _hyperCount, _hyperCount));
            else _newUniforms[k] = ComputeUniforms(t, values);
        }
    }

    /// <summary>The hyperparameter values of piece <paramref name="piece"/> at step <paramref name="t"/>: the
    /// optimizer's values, the piece's group overrides, then the schedules. Returns the piece's group (-1: none).</summary>
    private int ValuesOfPiece(int piece, long t, ReadOnlySpan<float> baseValues, Span<float> values)
    {
        baseValues.CopyTo(values);
        int group = _pieces[piece].Group;
        if (group >= 0)
        {
            var index = _groupOverrideIndex[group];
            var value = _groupOverrideValue[group];
            for (int o = 0; o < index.Length; o++) values[index[o]] = value[o];
        }
        for (int h = 0; h < _hyperCount; h++)
            if (_schedules[h] is { } schedule) values[h] = (float)schedule.Evaluate(t, values[h]);
        return group;
    }

    /// <summary>Before the last pass of a step writes the next step's first gradient point, the uniforms of the next
    /// step as known now (when they cannot be computed, for example a schedule leaves a range, the current ones are used
    /// and the next step's check reports the problem).</summary>
    private void PreviewNextStep(long t)
    {
        Span<float> baseValues = stackalloc float[_hyperCount];
        Span<float> values = stackalloc float[_hyperCount];
        GetHyperparameters(baseValues);
        for (int s = 0; s < _segmentCount; s++)
        {
            ref var segment = ref _segments[s];
            segment.Next = segment.Cur;
            int piece = segment.Piece;
            if (piece < 0 || piece >= _pieceCount) continue;
            ValuesOfPiece(piece, t, baseValues, values);
            try
            {
                ValidateHyperparameters(values);
                segment.Next = ComputeUniforms(t, values, in segment.Cur);
            }
            catch (ArgumentOutOfRangeException)
            {
                // keep Cur
            }
        }
    }

    private bool HasSchedules()
    {
        foreach (var s in _schedules) if (s is not null) return true;
        return false;
    }

    /// <summary>New values of existing overrides (the layout unchanged): copied in place, nothing allocated.</summary>
    private void RefreshOverrideValues()
    {
        for (int gi = 0; gi < Groups.Count; gi++)
        {
            var value = _groupOverrideValue[gi];
            int o = 0;
            foreach (var kv in Groups[gi].OverrideTable) value[o++] = kv.Value;
        }
        _valuesVersion = Groups.ValuesVersion;
    }

    /// <summary>Turns the groups into pieces covering [0, N); checked before anything is written.</summary>
    private void BuildPieces()
    {
        int n = Groups.Count;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Array.Sort(order, (a, b) => Groups[a].Offset.CompareTo(Groups[b].Offset));
        var indices = new int[n][];
        var values = new float[n][];
        for (int i = 0; i < n; i++)
        {
            var g = Groups[order[i]];
            if ((long)g.Offset + g.Count > ParameterCount)
                throw new ArgumentException($"The parameter group '{g.Name}' [{g.Offset}, {(long)g.Offset + g.Count}) extends past the {ParameterCount} parameters.", nameof(Groups));
            if (i > 0)
            {
                var prev = Groups[order[i - 1]];
                if (g.Offset < prev.Offset + prev.Count)
                    throw new ArgumentException($"The parameter groups '{prev.Name}' and '{g.Name}' overlap.", nameof(Groups));
            }
        }
        for (int gi = 0; gi < n; gi++)
        {
            var g = Groups[gi];
            indices[gi] = new int[g.Overrides.Count];
            values[gi] = new float[g.Overrides.Count];
            int o = 0;
            foreach (var kv in g.Overrides)
            {
                int k = -1;
                for (int h = 0; h < _hyperCount; h++) if (_info.Hyperparameters[h].Name == kv.Key) k = h;
                if (k < 0)
                    throw new ArgumentException($"The parameter group '{g.Name}' overrides '{kv.Key}', which is no hyperparameter of '{_info.Name}'.", nameof(Groups));
                indices[gi][o] = k;
                values[gi][o] = kv.Value;
                o++;
            }
        }
        var pieces = new (long, long, int)[2 * n + 1];
        int count = 0;
        long at = 0;
        foreach (int gi in order)
        {
            var g = Groups[gi];
            if (g.Offset > at) pieces[count++] = (at, g.Offset, -1);
            pieces[count++] = (g.Offset, (long)g.Offset + g.Count, gi);
            at = (long)g.Offset + g.Count;
        }
        if (at < ParameterCount) pieces[count++] = (at, ParameterCount, -1);
        _pieces = pieces;
        _pieceCount = count;
        _newUniforms = new TUniforms[count];
        _pieceValues = new float[Math.Max(1, count * _hyperCount)];
        _groupOverrideIndex = indices;
        _groupOverrideValue = values;
        if (_segmentScratch.Length < _segmentCount + count + 1) _segmentScratch = new Segment[_segmentCount + count + 1];
        _piecesVersion = Groups.Version;
        _valuesVersion = Groups.ValuesVersion;
    }

    /// <summary>The new step's uniforms become current; the previous step's current ones become previous, piece by
    /// piece (the common refinement of the old segments and the new pieces, merged where nothing differs).</summary>
    private void CommitStepBegin()
    {
        var next = _segmentScratch;
        if (next.Length < _segmentCount + _pieceCount + 1) next = _segmentScratch = new Segment[_segmentCount + _pieceCount + 1];
        int count = 0;
        bool scalars = HasStepScalars;
        long t = StepCount + 1;
        if (!_initialized)
        {
            for (int k = 0; k < _pieceCount; k++)
            {
                var first = scalars ? ComputeUniforms(t, _pieceValues.AsSpan(k * _hyperCount, _hyperCount), default) : _newUniforms[k];
                next[count++] = new Segment { Start = _pieces[k].Start, End = _pieces[k].End, Piece = k, Prev = first, Cur = first, Next = first };
            }
        }
        else
        {
            int s = 0, k = 0;
            long at = 0;
            while (at < ParameterCount)
            {
                while (_segments[s].End <= at) s++;
                while (_pieces[k].End <= at) k++;
                long end = Math.Min(_segments[s].End, _pieces[k].End);
                // Pipelined (first-same-as-last) schemes finish the previous step with its own uniforms; the others
                // recover the look-ahead point with the uniforms it was written with (the previous step's preview).
                var previous = _layout.StartPass >= 0 ? _segments[s].Cur : _segments[s].Next;
                // Step scalars continue the recurrence of these very parameters (each group keeps its own).
                var current = scalars ? ComputeUniforms(t, _pieceValues.AsSpan(k * _hyperCount, _hyperCount), in _segments[s].Cur) : _newUniforms[k];
                var segment = new Segment { Start = at, End = end, Piece = k, Prev = previous, Cur = current, Next = current };
                if (count > 0 && Same(next[count - 1], segment)) next[count - 1].End = end;
                else next[count++] = segment;
                at = end;
            }
        }
        _segmentScratch = _segments;
        _segments = next;
        _segmentCount = count;
    }

    private static bool Same(in Segment a, in Segment b) =>
        a.Piece == b.Piece
        && MemoryMarshal.AsBytes(new ReadOnlySpan<TUniforms>(in a.Prev)).SequenceEqual(MemoryMarshal.AsBytes(new ReadOnlySpan<TUniforms>(in b.Prev)))
        && MemoryMarshal.AsBytes(new ReadOnlySpan<TUniforms>(in a.Cur)).SequenceEqual(MemoryMarshal.AsBytes(new ReadOnlySpan<TUniforms>(in b.Cur)));

    private void ResetSegments()
    {
        _segments[0] = new Segment { Start = 0, End = ParameterCount, Piece = -1 };
        _segmentCount = 1;
    }

    private void Execute(int pass, bool currentIsNext = false)
    {
        for (int s = 0; s < _segmentCount; s++)
        {
            ref var segment = ref _segments[s];
            _previous = segment.Prev;
            _current = currentIsNext ? segment.Next : segment.Cur;
            _next = segment.Next;
            if (_missingArrays != 0) AllocateTouchedArrays(pass);
            long length = segment.End - segment.Start;
            int threads = length >= KernelSettings.ParallelThreshold ? _maxDegreeOfParallelism : 1;
            PassScheduler.Run(this, pass, (nint)segment.Start, (nint)segment.End, threads);
        }
    }

    /// <inheritdoc/>
    public void GetIterate(ReadOnlySpan<float> parameters, Span<float> iterate)
    {
        CheckLength(parameters.Length, nameof(parameters));
        CheckLength(iterate.Length, nameof(iterate));
        int pass = !_initialized || _layout.IteratePasses.Length == 0 ? -1
            : _layout.StartPass >= 0 && !_started ? _layout.IterateAtStartPass
            : _layout.IteratePasses[_phase];
        if (pass < 0)
        {
            parameters.CopyTo(iterate);
            return;
        }
        if (parameters.Overlaps(iterate, out int offset) && offset != 0)
            throw new ArgumentException("The iterate buffer must be the parameter buffer itself or not overlap it.", nameof(iterate));
        fixed (float* p = parameters)
        fixed (float* o = iterate)
        {
            _parameters = p;
            _output = o;
            // At rest between steps, a non-pipelined scheme's point was written with the next step's values.
            bool atRest = _layout.StartPass < 0 && _phase == 0;
            try { Execute(pass, currentIsNext: atRest); }
            finally { _parameters = null; _output = null; }
        }
    }

    /// <inheritdoc/>
    public void Reset()
    {
        foreach (var a in _arrays) if (a is not null) Array.Clear(a);
        StepCount = 0;
        _controls.Reset();
        _phase = 0;
        _started = false;
        _initialized = false;
        _previous = default;
        _current = default;
        ResetSegments();
    }

    private void CheckLength(int length, string name)
    {
        if (length != ParameterCount)
            throw new ArgumentException($"The buffer holds {length} floats but the optimizer was created for {ParameterCount} parameters.", name);
    }

    // ------------------------------------------------------------------ state

    /// <inheritdoc/>
    public void SaveState(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var state = new StateFormat.Snapshot
        {
            Name = _info.Name,
            ParameterCount = ParameterCount,
            StepCount = StepCount,
            Phase = _phase,
            Started = _started,
            Initialized = _initialized,
            SkippedSteps = SkippedSteps,
            Hyperparameters = new float[_hyperCount],
            Groups = new StateFormat.Group[Groups.Count],
            UniformSize = sizeof(TUniforms),
            Segments = new StateFormat.SegmentState[_segmentCount],
            ArrayCount = _arrays.Length,
        };
        GetHyperparameters(state.Hyperparameters);
        for (int i = 0; i < Groups.Count; i++)
            state.Groups[i] = new StateFormat.Group(Groups[i].Offset, Groups[i].Count, Groups[i].Name, System.Linq.Enumerable.ToArray(Groups[i].Overrides));
        for (int s = 0; s < _segmentCount; s++)
            state.Segments[s] = new StateFormat.SegmentState(_segments[s].Start, _segments[s].End,
                MemoryMarshal.AsBytes(new ReadOnlySpan<TUniforms>(in _segments[s].Prev)).ToArray(),
                MemoryMarshal.AsBytes(new ReadOnlySpan<TUniforms>(in _segments[s].Cur)).ToArray(),
                MemoryMarshal.AsBytes(new ReadOnlySpan<TUniforms>(in _segments[s].Next)).ToArray());
        StateFormat.Write(stream, state, i => _arrays[i]);
    }

    /// <inheritdoc/>
    public void LoadState(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var state = StateFormat.Read(stream, _info, ParameterCount, _arrays.Length, sizeof(TUniforms), _layout.Cycle.Length, out var arrays);

        // Everything read and checked; check the hyperparameters and groups against this optimizer, then apply.
        var old = new float[_hyperCount];
        GetHyperparameters(old);
        try
        {
            ValidateHyperparameters(state.Hyperparameters);
            foreach (var g in state.Groups)
            {
                if ((long)g.Offset + g.Count > ParameterCount) throw new InvalidDataException($"its parameter group '{g.Name}' lies outside the parameters");
                var values = (float[])state.Hyperparameters.Clone();
                foreach (var (name, value) in g.Overrides)
                {
                    int k = -1;
                    for (int h = 0; h < _hyperCount; h++) if (_info.Hyperparameters[h].Name == name) k = h;
                    if (k < 0) throw new InvalidDataException($"its parameter group '{g.Name}' overrides '{name}', which is no hyperparameter of '{_info.Name}'");
                    values[k] = value;
                }
                ValidateHyperparameters(values);
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException)
        {
            throw new InvalidDataException($"The stream cannot be loaded into this '{_info.Name}' optimizer: {e.Message} Nothing was changed.", e);
        }

        SetHyperparameters(state.Hyperparameters);
        Groups.Clear();
        foreach (var g in state.Groups)
        {
            var group = Groups.Add(g.Offset, g.Count, g.Name);
            foreach (var (name, value) in g.Overrides) group[name] = value;
        }
        for (int i = 0; i < _arrays.Length; i++)
        {
            // An optional array stays unallocated while the stream holds only its initial zeros.
            if (_arrays[i] is null && !MemoryMarshal.Cast<float, int>(arrays[i].AsSpan()).ContainsAnyExcept(0)) continue;
            if (_arrays[i] is null) AllocateArray(i);
            arrays[i].CopyTo(_arrays[i]!, 0);
        }
        _segments = new Segment[state.Segments.Length];
        _segmentScratch = new Segment[state.Segments.Length + 2];
        for (int s = 0; s < state.Segments.Length; s++)
        {
            var saved = state.Segments[s];
            _segments[s] = new Segment { Start = saved.Start, End = saved.End, Piece = -1 };
            saved.Prev.CopyTo(MemoryMarshal.AsBytes(new Span<TUniforms>(ref _segments[s].Prev)));
            saved.Cur.CopyTo(MemoryMarshal.AsBytes(new Span<TUniforms>(ref _segments[s].Cur)));
            saved.Next.CopyTo(MemoryMarshal.AsBytes(new Span<TUniforms>(ref _segments[s].Next)));
        }
        _segmentCount = state.Segments.Length;
        _piecesVersion = -1;
        StepCount = state.StepCount;
        _controls.SkippedSteps = state.SkippedSteps;
        _phase = state.Phase;
        _started = state.Started;
        _initialized = state.Initialized;
    }
}
