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
/// <remarks>One class in four files: this one owns the state arrays, the members the generator implements and the
/// pass driver (steps, passes over segments, the gradient norm, iterate recovery); OptimizerCore.Hyperparameters.cs the
/// hyperparameter set (values by name, schedules, groups, per-step uniforms); OptimizerCore.StepSnapshot.cs the
/// transaction of a step of several passes; OptimizerCore.State.cs checkpoints.</remarks>
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

    // ------------------------------------------------------------------ stepping

    /// <summary>One pass with a gradient the caller computed at the current parameter buffer.</summary>
    protected void StepWithGradient(Span<float> parameters, ReadOnlySpan<float> gradient)
    {
        using var exclusive = Exclusive.Enter(ref _busy, _info.Name, "Step");
        CheckLength(parameters.Length, nameof(parameters));
        CheckLength(gradient.Length, nameof(gradient));
        if (parameters.Overlaps(gradient))
            throw new ArgumentException("The gradient buffer must not overlap the parameter buffer.", nameof(gradient));
        RunNextPass(parameters, gradient);
    }

    /// <inheritdoc/>
    public void Step(Span<float> parameters, GradientFunction gradient)
    {
        using var exclusive = Exclusive.Enter(ref _busy, _info.Name, "Step");
        CheckLength(parameters.Length, nameof(parameters));
        ArgumentNullException.ThrowIfNull(gradient);
        PrepareStepBegin(validateOnly: true);
        var scratch = _gradientScratch ??= GC.AllocateArray<float>(ParameterCount, pinned: true);
        RunStep(parameters, scratch, gradient);
    }

    /// <inheritdoc/>
    public void Step(Span<float> parameters, Span<float> gradient, GradientFunction evaluate)
    {
        using var exclusive = Exclusive.Enter(ref _busy, _info.Name, "Step");
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
        if (_interrupted is not null) throw new InvalidOperationException(_interrupted);
        evaluate(parameters, gradient); // nothing has changed yet if it throws
        bool onePass = _layout.Cycle.Length == 1 || (_layout.StartPass >= 0 && !_started);
        if (onePass)
        {
            RunNextPass(parameters, gradient); // false: skipped under SkipStep, nothing changed
            return;
        }
        if (!RollbackFailedSteps)
        {
            RunStepWithoutRollback(parameters, gradient, evaluate);
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

    /// <summary>With rollback off (the traffic of the step copy saved), the rest of a step after its first evaluation:
    /// a failure at a later evaluation leaves the step in progress (the parameter buffer at that evaluation's point, the
    /// state part-way) and every later Step refuses until Reset or LoadState; a pass skipped under SkipStep leaves the
    /// step in progress and the next call resumes it at the skipped pass.</summary>
    private void RunStepWithoutRollback(Span<float> parameters, Span<float> gradient, GradientFunction evaluate)
    {
        int evaluation = 1;
        long step = StepCount + (NextPassBeginsStep(out _, out _) ? 1 : 0);
        try
        {
            if (!RunNextPass(parameters, gradient)) return;
            while (!AtRest)
            {
                evaluation++;
                evaluate(parameters, gradient);
                if (!RunNextPass(parameters, gradient)) return;
            }
        }
        catch (Exception e) when (!AtRest)
        {
            _interrupted = $"Step {step} of '{_info.Name}' failed at gradient evaluation {evaluation} ({e.GetType().Name}: {e.Message}) with RollbackFailedSteps off: the parameter buffer holds that evaluation's point and the state is part-way through the step. Reset() or LoadState() a checkpoint before stepping again (with RollbackFailedSteps on, a failed step leaves everything as it was).";
            throw;
        }
    }

    /// <inheritdoc/>
    public bool RollbackFailedSteps { get; set; } = true;

    private string? _interrupted; // a step left part-way with rollback off: why, until Reset or LoadState
    private StepSnapshot? _snapshot;
    private int _busy; // Exclusive: one call at a time

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
        using var exclusive = Exclusive.Enter(ref _busy, _info.Name, "GetIterate");
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
        using var exclusive = Exclusive.Enter(ref _busy, _info.Name, "Reset");
        foreach (var a in _arrays) if (a is not null) Array.Clear(a);
        StepCount = 0;
        _controls.Reset();
        _phase = 0;
        _started = false;
        _initialized = false;
        _previous = default;
        _current = default;
        _interrupted = null;
        ResetSegments();
    }

    private void CheckLength(int length, string name)
    {
        if (length != ParameterCount)
            throw new ArgumentException($"The buffer holds {length} floats but the optimizer was created for {ParameterCount} parameters.", name);
    }

}
