// The step driver every backend shares: the pass sequence of a step (pipelined first-same-as-last steps included), the
// transaction of a step of several passes, the step position and its counters, and the gradient controls. Its other
// two files own the hyperparameter set (StepDriver.Hyperparameters.cs: values by name, schedules, parameter groups
// turned into segments with per-step uniforms) and the checkpoint layout (StepDriver.State.cs). A backend supplies
// memory and "run pass k over segment s" through IStepBackend: OptimizerCore on the CPU, GpuOptimizerCore on an ILGPU
// accelerator.
using System;
using System.Collections.Generic;

namespace OdeOpt.Runtime;

/// <summary>What a backend supplies to the <see cref="StepDriver{TUniforms}"/>: its hyperparameter storage and
/// generated checks, the generated per-step values, memory, and the passes.</summary>
internal interface IStepBackend<TUniforms> where TUniforms : unmanaged
{
    /// <summary>Copies the hyperparameters, in declaration order.</summary>
    void GetHyperparameters(Span<float> values);

    /// <summary>Sets the hyperparameters, in declaration order.</summary>
    void SetHyperparameters(ReadOnlySpan<float> values);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/>, named after the property, for a value out of range.</summary>
    void ValidateHyperparameters(ReadOnlySpan<float> values);

    /// <summary>Adds a warning for every declared condition the values violate.</summary>
    void CheckConditions(ReadOnlySpan<float> values, string? group, List<HyperparameterWarning> warnings);

    /// <summary>Whether step t's uniforms depend on step t-1's ([StepScalar] recurrences).</summary>
    bool HasStepScalars { get; }

    /// <summary>The uniforms of step <paramref name="t"/>; <paramref name="previous"/> is step t-1's of the same
    /// parameters (read by step scalars only).</summary>
    TUniforms ComputeUniforms(long t, ReadOnlySpan<float> values, in TUniforms previous);

    /// <summary>Runs pass <paramref name="pass"/> over the segment's elements with its uniforms (its Next ones as the
    /// current ones when <paramref name="currentIsNext"/>), allocating first the optional arrays the pass touches.</summary>
    void RunPass(int pass, in StepDriver<TUniforms>.Segment segment, bool currentIsNext);

    /// <summary>The sum of squares of the bound gradient, in double, the same for any thread count.</summary>
    double GradientSumOfSquares();

    /// <summary>Calls the caller's gradient function at the bound parameters into the bound gradient.</summary>
    void Evaluate();

    /// <summary>Whether the bound closure returns the loss (<see cref="LossGradientFunction"/>).</summary>
    bool HasLoss { get; }

    /// <summary>The loss the last <see cref="Evaluate"/> returned (NaN without a loss closure).</summary>
    double EvaluatedLoss { get; }

    /// <summary>The sum of term 0 of pass <paramref name="pass"/>'s reduction over the segment, in double, in fixed blocks
    /// from the segment's start combined in block order (the same for any thread count).</summary>
    double ReduceSum(int pass, in StepDriver<TUniforms>.Segment segment);

    /// <summary>A bound buffer or state array as a span: -1 the parameters, k state array k (staged steps).</summary>
    Span<float> Array(int slot);

    /// <summary>Copies the bound parameters and every allocated state array (the memory half of a step transaction).</summary>
    void SaveStepMemory();

    /// <summary>Puts back what <see cref="SaveStepMemory"/> copied; an optional array allocated since holds zeros again.</summary>
    void RestoreStepMemory();

    /// <summary>Readies the rollback arrays of the fused undo copy (<see cref="SchemeLayout.RollbackPass"/> fills them).</summary>
    void PrepareRollbackCopy();

    /// <summary>Copies each rollback array back into the slot it keeps (<see cref="SchemeLayout.RollbackTargets"/>); an
    /// optional array allocated since holds zeros again.</summary>
    void RestoreFromRollbackCopy();
}

/// <summary>The backend-neutral half of every optimizer (see the file's opening comment).</summary>
internal sealed partial class StepDriver<TUniforms> where TUniforms : unmanaged
{
    /// <summary>A piece of the parameter buffer with the uniforms its passes use: those of the step being finished
    /// (Prev), of the step in progress (Cur) and the next step's as far as they are known (Next).</summary>
    internal struct Segment
    {
        public long Start;
        public long End;
        public int Piece;
        public TUniforms Prev;
        public TUniforms Cur;
        public TUniforms Next;
    }

    private readonly IStepBackend<TUniforms> _backend;
    private int _phase;
    private bool _started;
    private bool _initialized;
    private string? _interrupted; // a step left part-way with rollback off: why, until Reset or LoadState

    /// <summary>The flag of <see cref="Exclusive"/>: one call at a time per optimizer.</summary>
    public int Busy;

    public StepDriver(IStepBackend<TUniforms> backend, int parameterCount, OptimizerInfo info, SchemeLayout layout)
    {
        _backend = backend;
        ParameterCount = parameterCount;
        Info = info;
        Layout = layout;
        _hyperCount = info.Hyperparameters.Count;
        _schedules = new Schedule?[_hyperCount];
        Groups = new ParameterGroupCollection();
        ResetSegments();
    }

    public OptimizerInfo Info { get; }
    public SchemeLayout Layout { get; }
    public int ParameterCount { get; }
    public long StepCount { get; private set; }
    public GradientControls Controls { get; } = new();
    public bool RollbackFailedSteps { get; set; } = true;
    public bool Initialized => _initialized;

    /// <summary>Between steps: no step is part-way.</summary>
    private bool AtRest => _phase == 0 && (Layout.StartPass < 0 || _started);

    /// <summary>The pass that runs next and whether it begins a step.</summary>
    private bool NextPassBeginsStep(out int pass, out bool starting)
    {
        starting = Layout.StartPass >= 0 && !_started;
        pass = starting ? Layout.StartPass : Layout.Cycle[_phase];
        return Layout.BeginsStep[pass];
    }

    /// <summary>The number of the step the next pass belongs to.</summary>
    private long StepOfNextPass => StepCount + (NextPassBeginsStep(out _, out _) ? 1 : 0);

    /// <summary>One step through the caller's gradient function, with parameters and gradient bound by the backend.
    /// A step of several passes is a transaction: when an evaluation after the first throws, or a later pass refuses its
    /// gradient (a non-finite one under Throw or SkipStep), parameters, state and step count are put back as they were
    /// when the step began, so a failure at any evaluation leaves nothing half done.</summary>
    public void Step()
    {
        if (Layout.Staged is { } staged)
        {
            StagedStep(staged);
            return;
        }
        PrepareStepBegin(validateOnly: true);
        if (_interrupted is not null) throw new InvalidOperationException(_interrupted);
        EvaluateCounted(); // nothing has changed yet if it throws
        bool onePass = Layout.Cycle.Length == 1 || (Layout.StartPass >= 0 && !_started);
        if (onePass)
        {
            RunNextPass(); // false: skipped under SkipStep, nothing changed
            return;
        }
        if (!RollbackFailedSteps)
        {
            StepWithoutRollback();
            return;
        }
        // The first pass of a steady step copies what a failure would put back as it streams (the generated undo pass);
        // the very first step, which also sets the [Initial] values, and layouts without an undo pass are copied whole.
        bool fused = Layout.RollbackPass >= 0 && _initialized;
        TakeSnapshot(fused);
        bool restore = true;
        try
        {
            if (!RunNextPass(fused ? Layout.RollbackPass : -1)) { restore = false; return; } // the first pass refused: nothing changed
            while (!AtRest)
            {
                EvaluateCounted();
                if (!RunNextPass()) return; // a later pass skipped (SkipStep): the whole step is undone
            }
            restore = false;
        }
        finally
        {
            if (restore) RestoreSnapshot(fused);
        }
    }

    /// <summary>With rollback off (the traffic of the step copy saved), the rest of a step after its first evaluation:
    /// a failure at a later evaluation leaves the step in progress (the parameter buffer at that evaluation's point, the
    /// state part-way) and every later Step refuses until Reset or LoadState; a pass skipped under SkipStep leaves the
    /// step in progress and the next call resumes it at the skipped pass.</summary>
    private void StepWithoutRollback()
    {
        int evaluation = 1;
        long step = StepOfNextPass;
        try
        {
            if (!RunNextPass()) return;
            while (!AtRest)
            {
                evaluation++;
                EvaluateCounted();
                if (!RunNextPass()) return;
            }
        }
        catch (Exception e) when (!AtRest)
        {
            _interrupted = $"Step {step} of '{Info.Name}' failed at gradient evaluation {evaluation} ({e.GetType().Name}: {e.Message}) with RollbackFailedSteps off: the parameter buffer holds that evaluation's point and the state is part-way through the step. Reset() or LoadState() a checkpoint before stepping again (with RollbackFailedSteps on, a failed step leaves everything as it was).";
            throw;
        }
    }

    /// <summary>Runs the next pass with the gradient the backend bound: everything is checked before the first element is
    /// written. Returns false when the pass was skipped (non-finite gradient, SkipStep). <paramref name="runInstead"/>:
    /// a pass that does what the next one does and more (the undo pass), or -1.</summary>
    public bool RunNextPass(int runInstead = -1)
    {
        bool begins = NextPassBeginsStep(out int pass, out bool starting);
        if (begins) PrepareStepBegin(validateOnly: false); // hyperparameters and groups checked; nothing committed
        if (Controls.NeedsNorm() && !Controls.Accept(_backend.GradientSumOfSquares(), Info.Name, StepOfNextPass)) return false;
        if (begins) CommitStepBegin();
        if (!_initialized)
        {
            if (Layout.InitPass >= 0) Execute(Layout.InitPass);
            _initialized = true;
        }
        if (Layout.StartPass < 0 && _phase == Layout.Cycle.Length - 1) PreviewNextStep(begins ? StepCount + 2 : StepCount + 1);
        Execute(runInstead >= 0 ? runInstead : pass);

        if (begins) StepCount++;
        if (starting) _started = true;
        else _phase = (_phase + 1) % Layout.Cycle.Length;
        return true;
    }

    /// <summary>Runs a pass over every segment.</summary>
    public void Execute(int pass, bool currentIsNext = false)
    {
        ExecuteSerial++;
        for (int s = 0; s < _segmentCount; s++) _backend.RunPass(pass, in _segments[s], currentIsNext);
    }

    /// <summary>Counts <see cref="Execute"/> calls: the segments of one call share a reduction over their piece.</summary>
    public long ExecuteSerial { get; private set; }

    /// <summary>The elements of the piece (parameter group, or stretch outside every group) the segment starting at
    /// <paramref name="start"/> belongs to: the run of adjacent segments of that piece. A piece is one segment except at
    /// the step after the groups changed, where it may span segments with different previous uniforms. A [Reduction] is
    /// over the whole piece.</summary>
    public (long Start, long End) PieceExtent(long start)
    {
        int s = 0;
        while (s < _segmentCount - 1 && _segments[s].End <= start) s++;
        int first = s, last = s;
        int piece = _segments[s].Piece;
        while (first > 0 && _segments[first - 1].Piece == piece) first--;
        while (last < _segmentCount - 1 && _segments[last + 1].Piece == piece) last++;
        return (_segments[first].Start, _segments[last].End);
    }

    /// <summary>The pass that writes theta into the output buffer now, or -1 when the parameter buffer is theta;
    /// <paramref name="currentIsNext"/>: run it with the next step's values (at rest between steps, a non-pipelined
    /// scheme's point was written with them).</summary>
    public int IteratePass(out bool currentIsNext)
    {
        currentIsNext = Layout.StartPass < 0 && _phase == 0;
        return !_initialized || Layout.IteratePasses.Length == 0 ? -1
            : Layout.StartPass >= 0 && !_started ? Layout.IterateAtStartPass
            : Layout.IteratePasses[_phase];
    }

    /// <summary>Forgets the position, the counters and the segments (the backend zeroes its arrays).</summary>
    public void Reset()
    {
        StepCount = 0;
        Controls.Reset();
        _phase = 0;
        _started = false;
        _initialized = false;
        _interrupted = null;
        ResetSegments();
        ResetStaged(statistics: true);
    }

    // ------------------------------------------------------------------ the step transaction

    // What a step of several passes changes besides memory, copied when it begins: the segments with their uniforms,
    // the pass position and the counters. The backend copies its memory (SaveStepMemory).
    private Segment[] _savedSegments = Array.Empty<Segment>();
    private int _savedSegmentCount, _savedPhase;
    private long _savedStepCount, _savedSkipped;
    private bool _savedStarted, _savedInitialized;

    private void TakeSnapshot(bool fused, bool memory = true)
    {
        if (fused) _backend.PrepareRollbackCopy();
        else if (memory) _backend.SaveStepMemory();
        if (_savedSegments.Length < _segmentCount) _savedSegments = new Segment[_segments.Length];
        Array.Copy(_segments, _savedSegments, _segmentCount);
        _savedSegmentCount = _segmentCount;
        _savedPhase = _phase;
        _savedStepCount = StepCount;
        _savedSkipped = Controls.SkippedSteps;
        _savedStarted = _started;
        _savedInitialized = _initialized;
    }

    private void RestoreSnapshot(bool fused, bool memory = true)
    {
        if (fused) _backend.RestoreFromRollbackCopy();
        else if (memory) _backend.RestoreStepMemory();
        if (_segments.Length < _savedSegmentCount) _segments = new Segment[_savedSegments.Length];
        Array.Copy(_savedSegments, _segments, _savedSegmentCount);
        _segmentCount = _savedSegmentCount;
        _phase = _savedPhase;
        StepCount = _savedStepCount;
        _started = _savedStarted;
        _initialized = _savedInitialized;
        Controls.SkippedSteps = Math.Min(Controls.SkippedSteps, _savedSkipped + 1); // a skip counts once, for the whole step
    }
}
