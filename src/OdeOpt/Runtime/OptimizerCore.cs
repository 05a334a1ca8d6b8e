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
/// The CPU backend of every generated optimizer: the state arrays in pinned host memory, the caller's buffers during a
/// call, the passes over segments on worker threads (PassScheduler) and the deterministic gradient norm. The pass
/// sequence, the step transaction, hyperparameters with schedules and groups, gradient controls and the checkpoint
/// layout are the backend-neutral <see cref="StepDriver{TUniforms}"/>'s, shared with the GPU form. The generator derives
/// each [Optimizer] class from it and supplies the per-step uniforms and the fused passes.
/// </summary>
/// <remarks>One class in three files: this one; OptimizerCore.Stepping.cs the public step forms and the binding of the
/// caller's buffers; OptimizerCore.StepSnapshot.cs the memory half of a step transaction.</remarks>
/// <typeparam name="TUniforms">The generated struct of per-step hoisted values.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract unsafe partial class OptimizerCore<TUniforms> : DrivenOptimizer<TUniforms>, ITrainingOptimizer, IPassRunner, IStepBackend<TUniforms> where TUniforms : unmanaged
{
    private const int NormPass = -1;
    private const int ReducePassBase = -2; // the reduction pass of pass k runs as ReducePassBase - k

    private readonly float[]?[] _arrays;
    private readonly nint[] _arrayPointers;
    private int _missingArrays; // optional arrays not allocated yet (bit i: array i); they hold 0 everywhere
    private float[]? _gradientScratch;
    private double[]? _normPartials;
    private double[]? _reductionPartials; // [block * count + term] of the reduction pass in progress
    private nint _reductionOrigin;
    private int _reductionTerms;
    private long _reductionSerial = -1;
    private int _maxDegreeOfParallelism = Environment.ProcessorCount;

    // The caller's buffers while a call is in progress (pinned by it), and its gradient function.
    private float* _parameters;
    private float* _gradient;
    private float* _output;
    private GradientFunction? _evaluate;
    private LossGradientFunction? _evaluateLoss;
    private double _evaluatedLoss = double.NaN;

    // The uniforms of the segment the pass in progress runs over.
    private TUniforms _previous;
    private TUniforms _current;
    private TUniforms _next;

    /// <summary>Allocates the persistent arrays (pinned, zeroed).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parameterCount"/> is not positive.</exception>
    protected OptimizerCore(int parameterCount, OptimizerInfo info, SchemeLayout layout) : base(parameterCount, info, layout)
    {
        _arrays = new float[]?[layout.ArrayCount];
        _arrayPointers = new nint[layout.ArrayCount + layout.RollbackTargets.Length]; // then the undo pass's rollback arrays
        // Optional arrays (untouched under some flags, such as AMSGrad's maximum) wait for the first pass that needs them.
        for (int i = 0; i < _arrays.Length; i++)
            if ((layout.OptionalArrays >> i & 1) == 0) AllocateArray(i);
            else _missingArrays |= 1 << i;
    }

    /// <summary>The optimizer's name, scheme, cost per step and hyperparameters: the same object as the generated class's
    /// static <c>StaticInfo</c>, here per instance (so <c>opt.Info</c> works on a concrete optimizer as on the interface).</summary>
    public OptimizerInfo Info => Driver.Info;

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

    /// <summary>The number of reduction values pass <paramref name="pass"/> reads ([Reduction]); 0 when it has no reduction pass.</summary>
    protected virtual int ReductionCount(int pass) => 0;

    /// <summary>The reduction pass of <paramref name="pass"/> over one block [start, end): one partial result per reduction
    /// into <paramref name="result"/>.</summary>
    protected virtual void Reduce(int pass, nint start, nint end, Span<double> result) => throw new NotSupportedException();

    /// <summary>Combines the blocks' partial results (<c>partials[block * count + term]</c>) in block order into the
    /// uniforms <paramref name="uniforms"/> the pass then runs with.</summary>
    protected virtual void ApplyReductions(int pass, ref TUniforms uniforms, ReadOnlySpan<double> partials, int blocks) => throw new NotSupportedException();

    /// <summary>Copies the hyperparameter properties, in declaration order.</summary>
    protected abstract void GetHyperparameters(Span<float> values);

    /// <summary>Sets the hyperparameter properties, in declaration order.</summary>
    protected abstract void SetHyperparameters(ReadOnlySpan<float> values);

    /// <summary>Adds a warning to <paramref name="warnings"/> for every declared condition that <paramref name="values"/>
    /// (hyperparameters in declaration order) violate; generated for optimizers with conditions.</summary>
    /// <param name="values">The hyperparameter values.</param>
    /// <param name="group">The parameter group the values are those of, or null.</param>
    /// <param name="warnings">Receives the warnings.</param>
    protected virtual void CheckConditions(ReadOnlySpan<float> values, string? group, List<HyperparameterWarning> warnings)
    {
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

    /// <summary>The first element of state array <paramref name="slot"/> stored in 16 bits (bfloat16 or binary16, [StateStorage]).</summary>
    protected ref ushort StateRef16(int slot) => ref Unsafe.AsRef<ushort>((void*)_arrayPointers[slot]);

    // A state array stored in 16 bits (bfloat16 or binary16): (n + 1) / 2 floats hold its n elements.
    private bool IsSixteenBit(int slot) => (Driver.Layout.SixteenBitArrays >> slot & 1) != 0;

    /// <summary>State array <paramref name="slot"/> as the floats a checkpoint holds (a 16-bit array widened, exactly).</summary>
    private float[]? StoredAsFloat(int slot)
    {
        if (_arrays[slot] is not { } array || !IsSixteenBit(slot)) return _arrays[slot];
        var wide = new float[ParameterCount];
        Driver.Layout.Widen(slot, MemoryMarshal.Cast<float, ushort>(array.AsSpan())[..ParameterCount], wide);
        return wide;
    }

    /// <summary>The state arrays (bit i: array i) that pass <paramref name="pass"/> reads or writes under the flags of
    /// <see cref="Current"/>. Generated for layouts with optional arrays; all arrays otherwise.</summary>
    protected virtual int ArraysTouched(int pass) => -1;

    /// <summary>The uniforms of the step the pass finishes (of the step before a step-beginning pass).</summary>
    protected ref readonly TUniforms Previous => ref _previous;

    /// <summary>The uniforms of the step in progress.</summary>
    protected ref readonly TUniforms Current => ref _current;

    /// <summary>The uniforms the next step will begin with, as far as they are known when the step in progress ends
    /// (hyperparameters as set now, schedules at the next step): the first gradient point of the next step is written
    /// with them.</summary>
    protected ref readonly TUniforms Next => ref _next;

    /// <summary>The factor the gradient is multiplied by (norm clipping; 1 otherwise).</summary>
    protected float GradientScale => Driver.Controls.Scale;

    /// <summary>Every gradient component is clamped to [-GradientLimit, GradientLimit] (+infinity: no clipping).</summary>
    protected float GradientLimit => Driver.Controls.Limit;

    // ------------------------------------------------------------------ the backend for the driver

    void IStepBackend<TUniforms>.GetHyperparameters(Span<float> values) => GetHyperparameters(values);
    void IStepBackend<TUniforms>.SetHyperparameters(ReadOnlySpan<float> values) => SetHyperparameters(values);
    void IStepBackend<TUniforms>.ValidateHyperparameters(ReadOnlySpan<float> values) => ValidateHyperparameters(values);
    void IStepBackend<TUniforms>.CheckConditions(ReadOnlySpan<float> values, string? group, List<HyperparameterWarning> warnings) => CheckConditions(values, group, warnings);
    bool IStepBackend<TUniforms>.HasStepScalars => HasStepScalars;
    TUniforms IStepBackend<TUniforms>.ComputeUniforms(long t, ReadOnlySpan<float> values, in TUniforms previous) => ComputeUniforms(t, values, in previous);

    void IStepBackend<TUniforms>.RunPass(int pass, in StepDriver<TUniforms>.Segment segment, bool currentIsNext)
    {
        _previous = segment.Prev;
        _current = currentIsNext ? segment.Next : segment.Cur;
        _next = segment.Next;
        if (_missingArrays != 0) AllocateTouchedArrays(pass);
        long length = segment.End - segment.Start;
        int threads = length >= KernelSettings.ParallelThreshold ? _maxDegreeOfParallelism : 1;
        int terms = ReductionCount(pass);
        if (terms > 0)
        {
            // The reduction pass: read-only, over the segment's whole piece (its parameter group) in fixed blocks counted
            // from the piece's start, combined in block order; computed at the piece's first segment, before any of its
            // segments is written, and shared by the others of this Execute.
            var (pieceStart, pieceEnd) = Driver.PieceExtent(segment.Start);
            long pieceLength = pieceEnd - pieceStart;
            int blocks = (int)((pieceLength + PassScheduler.BlockSize - 1) / PassScheduler.BlockSize);
            if (segment.Start == pieceStart || _reductionSerial != Driver.ExecuteSerial || _reductionOrigin != (nint)pieceStart)
            {
                ReducePartials(pass, terms, pieceStart, pieceEnd);
                _reductionSerial = Driver.ExecuteSerial;
            }
            ApplyReductions(pass, ref _current, new ReadOnlySpan<double>(_reductionPartials, 0, blocks * terms), blocks);
        }
        PassScheduler.Run(this, pass, (nint)segment.Start, (nint)segment.End, threads);
    }

    void IPassRunner.RunPass(int pass, nint start, nint end)
    {
        if (pass == NormPass) NormOfBlocks(start, end);
        else if (pass <= ReducePassBase) ReduceBlocks(ReducePassBase - pass, start, end);
        else RunPass(pass, start, end);
    }

    private void ReduceBlocks(int pass, nint start, nint end)
    {
        for (nint b = start; b < end; b += PassScheduler.BlockSize)
        {
            int block = (int)((b - _reductionOrigin) / PassScheduler.BlockSize);
            Reduce(pass, b, Math.Min(b + PassScheduler.BlockSize, end), new Span<double>(_reductionPartials, block * _reductionTerms, _reductionTerms));
        }
    }

    void IStepBackend<TUniforms>.Evaluate()
    {
        var parameters = new ReadOnlySpan<float>(_parameters, ParameterCount);
        var gradient = new Span<float>(_gradient, ParameterCount);
        if (_evaluateLoss is not null) _evaluatedLoss = _evaluateLoss(parameters, gradient);
        else _evaluate!(parameters, gradient);
    }

    bool IStepBackend<TUniforms>.HasLoss => _evaluateLoss is not null;

    double IStepBackend<TUniforms>.EvaluatedLoss => _evaluateLoss is null ? double.NaN : _evaluatedLoss;

    Span<float> IStepBackend<TUniforms>.Array(int slot) =>
        slot < 0 ? new Span<float>(_parameters, ParameterCount) : new Span<float>((void*)_arrayPointers[slot], ParameterCount);

    double IStepBackend<TUniforms>.ReduceSum(int pass, in StepDriver<TUniforms>.Segment segment)
    {
        _previous = segment.Prev;
        _current = segment.Cur;
        _next = segment.Next;
        int terms = ReductionCount(pass);
        int blocks = ReducePartials(pass, terms, segment.Start, segment.End);
        _reductionSerial = -1; // the partials are this call's, not a pass's
        double sum = 0;
        for (int b = 0; b < blocks; b++) sum += _reductionPartials[b * terms]; // block order: the same for any thread count
        return sum;
    }

    /// <summary>Runs the reduction pass of <paramref name="pass"/> over [start, end) into the partials, one row of
    /// <paramref name="terms"/> per block of PassScheduler.BlockSize counted from <paramref name="start"/>; returns the
    /// number of blocks.</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(_reductionPartials))]
    private int ReducePartials(int pass, int terms, long start, long end)
    {
        long length = end - start;
        int blocks = (int)((length + PassScheduler.BlockSize - 1) / PassScheduler.BlockSize);
        if (_reductionPartials is null || _reductionPartials.Length < blocks * terms) _reductionPartials = new double[blocks * terms];
        _reductionOrigin = (nint)start;
        _reductionTerms = terms;
        int threads = length >= KernelSettings.ParallelThreshold ? _maxDegreeOfParallelism : 1;
        PassScheduler.Run(this, ReducePassBase - pass, (nint)start, (nint)end, threads);
        return blocks;
    }

    private void AllocateArray(int i)
    {
        _arrays[i] = GC.AllocateArray<float>(IsSixteenBit(i) ? (ParameterCount + 1) / 2 : ParameterCount, pinned: true);
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

    double IStepBackend<TUniforms>.GradientSumOfSquares()
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
            _normPartials![b / PassScheduler.BlockSize] = _bfloat16Buffers
                ? SumOfSquaresBFloat16((ushort*)_gradient + b, (int)Math.Min(PassScheduler.BlockSize, end - b))
                : SumOfSquares(_gradient + b, (int)Math.Min(PassScheduler.BlockSize, end - b));
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

    /// <inheritdoc/>
    public void GetIterate(ReadOnlySpan<float> parameters, Span<float> iterate)
    {
        using var exclusive = Exclusive.Enter(ref Driver.Busy, Name, "GetIterate");
        CheckLength(parameters.Length, nameof(parameters));
        CheckLength(iterate.Length, nameof(iterate));
        int pass = Driver.IteratePass(out bool currentIsNext);
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
            Bind(p, null, null);
            _output = o;
            try { Driver.Execute(pass, currentIsNext); }
            finally { Unbind(); }
        }
    }

    /// <inheritdoc/>
    public void Reset()
    {
        using var exclusive = Exclusive.Enter(ref Driver.Busy, Name, "Reset");
        foreach (var a in _arrays) if (a is not null) Array.Clear(a);
        Driver.Reset();
    }

    // ------------------------------------------------------------------ checkpoints (the driver's layout)

    /// <inheritdoc/>
    public void SaveState(Stream stream)
    {
        using var exclusive = Exclusive.Enter(ref Driver.Busy, Name, "SaveState");
        ArgumentNullException.ThrowIfNull(stream);
        Driver.Save(stream, _arrays.Length, StoredAsFloat);
    }

    /// <inheritdoc/>
    public void LoadState(Stream stream)
    {
        using var exclusive = Exclusive.Enter(ref Driver.Busy, Name, "LoadState");
        ArgumentNullException.ThrowIfNull(stream);
        Driver.Load(stream, _arrays.Length, arrays =>
        {
            for (int i = 0; i < _arrays.Length; i++)
            {
                // An optional array stays unallocated while the stream holds only its initial zeros.
                if (_arrays[i] is null && !MemoryMarshal.Cast<float, int>(arrays[i].AsSpan()).ContainsAnyExcept(0)) continue;
                if (_arrays[i] is null) AllocateArray(i);
                // A 16-bit array's checkpoint holds its widened values: narrowing them back is exact.
                if (IsSixteenBit(i)) Driver.Layout.Narrow(i, arrays[i], MemoryMarshal.Cast<float, ushort>(_arrays[i]!.AsSpan())[..ParameterCount]);
                else arrays[i].CopyTo(_arrays[i]!, 0);
            }
        });
    }

    private void CheckLength(int length, string name)
    {
        if (length != ParameterCount)
            throw new ArgumentException($"The buffer holds {length} floats but the optimizer was created for {ParameterCount} parameters.", name);
    }
}
