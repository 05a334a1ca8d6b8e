using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using OdeOpt.Runtime;

namespace OdeOpt.Gpu;

/// <summary>
/// The GPU backend of every generated GPU form: kernels loaded and cached per accelerator, the state arrays on the
/// accelerator, the caller's views during a call, launches over segments, and the gradient-norm reduction. The pass
/// sequence, the step transaction, hyperparameters with schedules and parameter groups, gradient controls and the
/// checkpoint layout are the <see cref="StepDriver{TUniforms}"/>'s, shared with the CPU form, so both step alike and
/// share one state format.
/// </summary>
/// <remarks>One class in five files: this one; GpuOptimizerCore.StepSnapshot.cs the memory half of a step transaction;
/// GpuOptimizerCore.Reductions.cs the [Reduction] kernels and their deterministic combination; GpuOptimizerCore.State.cs
/// the checkpoints; GpuOptimizerCore.BFloat16Buffers.cs the step over bfloat16 parameter and gradient views.</remarks>
/// <typeparam name="TUniforms">The CPU form's struct of per-step hoisted values.</typeparam>
/// <typeparam name="TViews">The generated struct of buffer views the kernels take.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract partial class GpuOptimizerCore<TUniforms, TViews> : DrivenOptimizer<TUniforms>, IGpuOptimizer, IStepBackend<TUniforms>
    where TUniforms : unmanaged
    where TViews : struct
{
    /// <summary>The most parameters a GPU form takes: 32-bit kernel indices must not overflow in the grid-stride loop.</summary>
    public const int MaxParameterCount = int.MaxValue - MaxThreads;

    private const int MaxThreads = 1 << 22;

    // Loaded kernels (stream, grid, views, previous, current and next uniforms, scalars) per accelerator, for this optimizer type (a static field of a generic class: one table per optimizer).
    private static readonly ConditionalWeakTable<Accelerator, Action<AcceleratorStream, KernelConfig, TViews, TUniforms, TUniforms, TUniforms, GpuPassArguments>?[]> s_kernels = new();
    private static readonly object s_loadLock = new();
    // The reduction kernels ([Reduction]) of the passes that have one (null elsewhere), per accelerator.
    private static readonly ConditionalWeakTable<Accelerator, Action<AcceleratorStream, KernelConfig, TViews, TUniforms, GpuPassArguments, ArrayView<double>, int>?[]> s_reduceKernels = new();

    private readonly Action<AcceleratorStream, KernelConfig, TViews, TUniforms, TUniforms, TUniforms, GpuPassArguments>[] _launchers;
    private readonly MemoryBuffer1D<float, Stride1D.Dense>?[] _arrays;
    private readonly ArrayView<float>[] _arrayViews;
    private int _missingArrays; // optional arrays not allocated yet (bit i: array i); they hold 0 everywhere
    private MemoryBuffer1D<float, Stride1D.Dense>? _placeholder; // the view of a missing array: its kernels never touch it
    private readonly float[] _hyperparameters;
    private MemoryBuffer1D<float, Stride1D.Dense>? _gradientScratch;
    private AcceleratorStream _stream;
    private MemoryBuffer1D<double, Stride1D.Dense>? _partials;
    private double[]? _partialsHost;
    private readonly Action<AcceleratorStream, KernelConfig, TViews, TUniforms, GpuPassArguments, ArrayView<double>, int>?[] _reduceLaunchers;
    private MemoryBuffer1D<double, Stride1D.Dense>? _reductionPartials; // [task * terms + term], task = block * 4 + residue
    private double[] _reductionHost = Array.Empty<double>();
    private long _reductionSerial = -1, _reductionOrigin = -1;
    private int _reductionBlocks;
    private bool _disposed;

    // The caller's views and gradient function while a call is in progress, and the segment being launched over.
    private ArrayView<float> _parameters, _gradient, _output;
    private GpuGradientFunction? _evaluate;
    private long _segmentStart, _segmentLength;

    /// <summary>Loads (or takes from the cache) the kernels and allocates the zeroed state arrays on the accelerator.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parameterCount"/> is not positive or above <see cref="MaxParameterCount"/>.</exception>
    /// <exception cref="InvalidOperationException">The kernels cannot be compiled for the accelerator.</exception>
    protected GpuOptimizerCore(Accelerator accelerator, int parameterCount, OptimizerInfo info, SchemeLayout layout,
        Action<TViews, TUniforms, TUniforms, TUniforms, GpuPassArguments>[] kernels) : this(accelerator, parameterCount, info, layout, kernels, null)
    {
    }

    /// <summary>As the other constructor, with the reduction kernels of the passes that read [Reduction]s (index = pass,
    /// null for a pass without): each sums one residue class mod 4 of one block of 32,768 elements of a group, in order,
    /// in double, as the CPU form's reduction pass does, so both forms combine the same partial sums.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parameterCount"/> is not positive or above <see cref="MaxParameterCount"/>.</exception>
    /// <exception cref="InvalidOperationException">The kernels cannot be compiled for the accelerator.</exception>
    protected GpuOptimizerCore(Accelerator accelerator, int parameterCount, OptimizerInfo info, SchemeLayout layout,
        Action<TViews, TUniforms, TUniforms, TUniforms, GpuPassArguments>[] kernels,
        Action<TViews, TUniforms, GpuPassArguments, ArrayView<double>, int>?[]? reduceKernels) : this(accelerator, parameterCount, info, layout, kernels, reduceKernels, null)
    {
    }

    /// <summary>As the other constructors, with the kernels of the step over bfloat16 parameter and gradient buffers
    /// ([ParameterStorage]; index = pass, null for a pass without).</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parameterCount"/> is not positive or above <see cref="MaxParameterCount"/>.</exception>
    /// <exception cref="InvalidOperationException">The kernels cannot be compiled for the accelerator.</exception>
    protected GpuOptimizerCore(Accelerator accelerator, int parameterCount, OptimizerInfo info, SchemeLayout layout,
        Action<TViews, TUniforms, TUniforms, TUniforms, GpuPassArguments>[] kernels,
        Action<TViews, TUniforms, GpuPassArguments, ArrayView<double>, int>?[]? reduceKernels,
        Action<TViews, TUniforms, TUniforms, TUniforms, GpuPassArguments>?[]? kernels16) : base(parameterCount, info, layout)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentNullException.ThrowIfNull(kernels);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(parameterCount, MaxParameterCount);
        Accelerator = accelerator;
        _stream = accelerator.DefaultStream;
        _launchers = LoadKernels(accelerator, kernels, info);
        _launchers16 = kernels16 is null ? Array.Empty<Action<AcceleratorStream, KernelConfig, TViews, TUniforms, TUniforms, TUniforms, GpuPassArguments>?>() : LoadKernels16(accelerator, kernels16, info);
        _reduceLaunchers = reduceKernels is null ? Array.Empty<Action<AcceleratorStream, KernelConfig, TViews, TUniforms, GpuPassArguments, ArrayView<double>, int>?>()
            : LoadReduceKernels(accelerator, reduceKernels, info);
        _hyperparameters = info.Hyperparameters.Select(h => (float)h.DefaultValue).ToArray();
        _arrays = new MemoryBuffer1D<float, Stride1D.Dense>?[layout.ArrayCount];
        _arrayViews = new ArrayView<float>[layout.ArrayCount];
        try
        {
            // Optional arrays (untouched under some flags, such as AMSGrad's maximum) wait for the first pass that needs
            // them; until then a 4-float placeholder stands in the views (the kernels do not touch it).
            for (int i = 0; i < _arrays.Length; i++)
            {
                if ((layout.OptionalArrays >> i & 1) == 0) AllocateArray(i, accelerator.DefaultStream);
                else
                {
                    _placeholder ??= accelerator.Allocate1D<float>(4);
                    _arrayViews[i] = _placeholder.View;
                    _missingArrays |= 1 << i;
                }
            }
            accelerator.DefaultStream.Synchronize();
        }
        catch
        {
            foreach (var a in _arrays) a?.Dispose();
            _placeholder?.Dispose();
            throw;
        }
    }

    private static Action<AcceleratorStream, KernelConfig, TViews, TUniforms, TUniforms, TUniforms, GpuPassArguments>[] LoadKernels(Accelerator accelerator, Action<TViews, TUniforms, TUniforms, TUniforms, GpuPassArguments>[] kernels, OptimizerInfo info) =>
        LoadKernels(s_kernels, accelerator, kernels, info)!;

    /// <summary>Loads (or takes from <paramref name="cache"/>) the launchers of <paramref name="kernels"/> (null stays null).</summary>
    private static Action<AcceleratorStream, KernelConfig, TViews, TUniforms, TUniforms, TUniforms, GpuPassArguments>?[] LoadKernels(
        ConditionalWeakTable<Accelerator, Action<AcceleratorStream, KernelConfig, TViews, TUniforms, TUniforms, TUniforms, GpuPassArguments>?[]> cache,
        Accelerator accelerator, Action<TViews, TUniforms, TUniforms, TUniforms, GpuPassArguments>?[] kernels, OptimizerInfo info)
    {
        lock (s_loadLock)
        {
            if (cache.TryGetValue(accelerator, out var cached)) return cached;
            var launchers = new Action<AcceleratorStream, KernelConfig, TViews, TUniforms, TUniforms, TUniforms, GpuPassArguments>?[kernels.Length];
            try
            {
                for (int k = 0; k < kernels.Length; k++)
                    if (kernels[k] is { } kernel) launchers[k] = accelerator.LoadKernel(kernel);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new InvalidOperationException(
                    $"The GPU kernels of '{info.Name}' cannot be compiled for {accelerator.AcceleratorType} '{accelerator.Name}': {e.Message} " +
                    "Kernels that call Exp, Log or Pow need a Context created with EnableAlgorithms() (ILGPU.Algorithms). " +
                    "After a failed compile an ILGPU Context may fail to compile any other kernel; create a new Context.", e);
            }
            cache.AddOrUpdate(accelerator, launchers);
            return launchers;
        }
    }

    // ------------------------------------------------------------------ properties

    /// <summary>The optimizer's name, scheme, cost per step and hyperparameters (the generated class's static
    /// <c>StaticInfo</c>, per instance).</summary>
    public OptimizerInfo Info => Driver.Info;

    /// <inheritdoc/>
    public Accelerator Accelerator { get; }

    /// <inheritdoc/>
    public AcceleratorStream Stream
    {
        get => _stream;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            if (!ReferenceEquals(value.Accelerator, Accelerator)) throw new ArgumentException("The stream belongs to another accelerator.", nameof(value));
            _stream = value;
        }
    }

    /// <summary>Hyperparameter <paramref name="index"/> (declaration order), for the generated properties.</summary>
    protected ref float Hyperparameter(int index) => ref _hyperparameters[index];

    // ------------------------------------------------------------------ members the generator implements

    /// <summary>The hoisted per-step values of step <paramref name="step"/> (1-based) for the given hyperparameter values:
    /// the same computation as the CPU form's. <paramref name="previous"/> is the previous step's (read by step scalars).</summary>
    protected abstract TUniforms ComputeUniforms(long step, ReadOnlySpan<float> values, in TUniforms previous);

    /// <summary>The views struct of a pass: the caller's buffers (empty where the pass does not use them) and the state
    /// arrays, all over the segment the pass is launched for.</summary>
    protected abstract TViews CreateViews(ArrayView<float> parameters, ArrayView<float> gradient, ArrayView<float> output);

    /// <summary>Adds a warning for every declared condition the values violate (the CPU form's check; generated for
    /// optimizers with conditions).</summary>
    /// <param name="values">The hyperparameter values, in declaration order.</param>
    /// <param name="group">The parameter group the values are those of, or null.</param>
    /// <param name="warnings">Receives the warnings.</param>
    protected virtual void CheckConditions(ReadOnlySpan<float> values, string? group, List<HyperparameterWarning> warnings)
    {
        // Not overridden although the CPU form declares conditions: emitted from plan metadata before format 3.
        if (Driver.Info.Conditions.Count > 0)
            throw new NotSupportedException($"The GPU form of '{Name}' was emitted from plan metadata that does not record its [Condition]s (an assembly built by an OdeOpt generator before plan format 3), so it cannot check them. Rebuild that assembly, or call Validate() on its CPU form with the same hyperparameters.");
    }

    /// <summary>State array <paramref name="slot"/> on the accelerator over the segment being launched (a placeholder for
    /// an optional array no pass has needed yet; the kernels that would touch it allocate it first).</summary>
    protected ArrayView<float> StateView(int slot)
    {
        if (slot >= _arrays.Length) // a rollback array of the undo pass; a placeholder until the first step that copies
            return _rollbackArrays?[slot - _arrays.Length] is { } copy ? copy.View.SubView(_segmentStart, _segmentLength) : Placeholder();
        return (_missingArrays >> slot & 1) != 0 ? _arrayViews[slot] : _arrayViews[slot].SubView(_segmentStart, _segmentLength);
    }

    /// <summary>State array <paramref name="slot"/>, stored in 16 bits ([StateStorage]: bfloat16 or binary16), over the
    /// segment being launched (a placeholder for an optional array no pass has needed yet).</summary>
    protected ArrayView<ushort> StateView16(int slot) =>
        (_missingArrays >> slot & 1) != 0 ? _arrayViews[slot].Cast<ushort>() : _arrayViews[slot].Cast<ushort>().SubView(_segmentStart, _segmentLength);

    private bool IsSixteenBit(int slot) => slot < _arrays.Length && (Driver.Layout.SixteenBitArrays >> slot & 1) != 0;

    private ArrayView<float> Placeholder() => (_placeholder ??= Accelerator.Allocate1D<float>(4)).View;

    /// <summary>The state arrays (bit i: array i) that pass <paramref name="pass"/> reads or writes under the flags of the
    /// uniforms it is launched with. Generated for layouts with optional arrays; all arrays otherwise.</summary>
    protected virtual int ArraysTouched(int pass, in TUniforms previous, in TUniforms current, in TUniforms next) => -1;

    /// <summary>How many state arrays are allocated on the accelerator (for tests).</summary>
    internal int AllocatedArrayCount => _arrays.Count(a => a is not null);

    private void AllocateArray(int i, AcceleratorStream stream)
    {
        // A 16-bit array: (n + 1) / 2 floats hold its n elements, seen through StateView16.
        var buffer = Accelerator.Allocate1D<float>(IsSixteenBit(i) ? (ParameterCount + 1) / 2 : ParameterCount);
        buffer.MemSetToZero(stream);
        _arrays[i] = buffer;
        _arrayViews[i] = buffer.View;
        _missingArrays &= ~(1 << i);
    }

    // ------------------------------------------------------------------ the backend for the driver

    // The staged step (implicit gradient stages, step-size control) runs its solver and controller on the host over CPU
    // spans; the generator emits no GPU form for such schemes (docs/dsl.md), so these are never reached.
    bool IStepBackend<TUniforms>.HasLoss => false;
    double IStepBackend<TUniforms>.EvaluatedLoss => double.NaN;
    double IStepBackend<TUniforms>.ReduceSum(int pass, in StepDriver<TUniforms>.Segment segment) => throw new NotSupportedException("The GPU form has no staged step.");
    Span<float> IStepBackend<TUniforms>.Array(int slot) => throw new NotSupportedException("The GPU form has no staged step.");
    void IStepBackend<TUniforms>.GetHyperparameters(Span<float> values) => _hyperparameters.CopyTo(values);
    void IStepBackend<TUniforms>.SetHyperparameters(ReadOnlySpan<float> values) => values.CopyTo(_hyperparameters);
    void IStepBackend<TUniforms>.CheckConditions(ReadOnlySpan<float> values, string? group, List<HyperparameterWarning> warnings) => CheckConditions(values, group, warnings);
    bool IStepBackend<TUniforms>.HasStepScalars => true; // the uniforms are always computed from the previous step's: right with or without step scalars
    TUniforms IStepBackend<TUniforms>.ComputeUniforms(long t, ReadOnlySpan<float> values, in TUniforms previous) => ComputeUniforms(t, values, in previous);

    void IStepBackend<TUniforms>.ValidateHyperparameters(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            var h = Driver.Info.Hyperparameters[i];
            Check.Hyperparameter(values[i], h.Name, h.Min, h.MinExclusive, h.Max, h.MaxExclusive);
        }
    }

    void IStepBackend<TUniforms>.Evaluate() => _evaluate!(_parameters, _gradient);

    double IStepBackend<TUniforms>.GradientSumOfSquares()
    {
        _partials ??= Accelerator.Allocate1D<double>(GpuReductions.MaxGroups);
        _partialsHost ??= new double[GpuReductions.MaxGroups];
        return _buffers16 ? GpuReductions.SumOfSquares(Accelerator, _stream, _gradient16, _partials, _partialsHost)
            : GpuReductions.SumOfSquares(Accelerator, _stream, _gradient, _partials, _partialsHost);
    }

    /// <summary>Queues pass <paramref name="pass"/> over one segment: every view narrowed to it, its uniforms, float4
    /// access when every narrowed view is 16-byte aligned.</summary>
    void IStepBackend<TUniforms>.RunPass(int pass, in StepDriver<TUniforms>.Segment segment, bool currentIsNext)
    {
        var previous = segment.Prev;
        var current = currentIsNext ? segment.Next : segment.Cur;
        var next = segment.Next;
        if (_missingArrays != 0)
        {
            // Zeroed on the optimizer's stream, before the launch that first touches them: their value so far.
            int needed = ArraysTouched(pass, in previous, in current, in next) & _missingArrays;
            for (int i = 0; needed != 0; i++, needed >>= 1)
                if ((needed & 1) != 0) AllocateArray(i, _stream);
        }
        int terms = pass < _reduceLaunchers.Length && _reduceLaunchers[pass] is not null ? ReductionCount(pass) : 0;
        if (terms > 0) Reduce(pass, terms, in segment, ref current);
        _segmentStart = segment.Start;
        _segmentLength = segment.End - segment.Start;
        var parameters = Narrow(_parameters);
        var gradient = Narrow(_gradient);
        var output = Narrow(_output);
        var views = CreateViews(parameters, gradient, output);
        bool vector = GpuKernelSettings.VectorAccess && Aligned(parameters) && Aligned(gradient) && Aligned(output) && Aligned(ParameterView16()) && Aligned(GradientView16());
        for (int i = 0; i < _arrays.Length + Driver.Layout.RollbackTargets.Length; i++) vector &= IsSixteenBit(i) ? Aligned(StateView16(i)) : Aligned(StateView(i));
        int length = (int)_segmentLength;
        int vectorCount = vector ? length / 4 : 0;
        var arguments = new GpuPassArguments
        {
            VectorCount = vectorCount,
            Length = length,
            GradientScale = Driver.Controls.Scale,
            GradientLimit = Driver.Controls.Limit,
            Offset = (int)segment.Start,
            RoundingKey0 = _roundingKey0,
            RoundingKey1 = _roundingKey1,
        };
        (_buffers16 ? _launchers16[pass]! : _launchers[pass])(_stream, Configuration(vectorCount + (length - 4 * vectorCount)), views, previous, current, next, arguments);
    }

    private ArrayView<float> Narrow(ArrayView<float> view) => view.IsValid ? view.SubView(_segmentStart, _segmentLength) : view;

    // ------------------------------------------------------------------ validation

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private void CheckView<T>(ArrayView<T> view, string name) where T : unmanaged
    {
        if (!view.IsValid) throw new ArgumentException("The view is empty.", name);
        Accelerator owner;
        try { owner = view.GetAccelerator(); }
        catch (InvalidOperationException e) { throw new ArgumentException("The view's buffer was disposed or belongs to no accelerator.", name, e); }
        if (!ReferenceEquals(owner, Accelerator))
            throw new ArgumentException($"The view belongs to another accelerator ({owner.AcceleratorType} '{owner.Name}'), not to this optimizer's ({Accelerator.AcceleratorType} '{Accelerator.Name}').", name);
        if (view.Length != ParameterCount)
            throw new ArgumentException($"The view holds {view.Length} {(typeof(T) == typeof(float) ? "floats" : "values")} but the optimizer was created for {ParameterCount} parameters.", name);
    }

    /// <summary>The views of a step with the caller's gradient: this optimizer's, of the right length, apart.</summary>
    private void CheckStepViews<T>(ArrayView<T> parameters, ArrayView<T> gradient) where T : unmanaged
    {
        ThrowIfDisposed();
        CheckView(parameters, nameof(parameters));
        CheckView(gradient, nameof(gradient));
        if (Overlap(parameters, gradient, out _))
            throw new ArgumentException("The gradient view must not overlap the parameter view.", nameof(gradient));
    }

    private static bool Overlap<T>(ArrayView<T> a, ArrayView<T> b, out bool same) where T : unmanaged
    {
        same = false;
        if (!ReferenceEquals(((IArrayView)a).Buffer, ((IArrayView)b).Buffer)) return false;
        long ia = ((IContiguousArrayView)a).Index, ib = ((IContiguousArrayView)b).Index;
        same = ia == ib && a.Length == b.Length;
        return ia < ib + b.Length && ib < ia + a.Length;
    }

    private static bool Aligned(ArrayView<float> view) => !view.IsValid || view.LoadEffectiveAddressAsPtr().ToInt64() % 16 == 0;

    // A 16-bit view is read four elements (8 bytes) at a time.
    private static bool Aligned(ArrayView<ushort> view) => !view.IsValid || view.LoadEffectiveAddressAsPtr().ToInt64() % 8 == 0;

    // ------------------------------------------------------------------ stepping

    private void Bind(ArrayView<float> parameters, ArrayView<float> gradient, ArrayView<float> output, GpuGradientFunction? evaluate)
    {
        _parameters = parameters;
        _gradient = gradient;
        _output = output;
        _evaluate = evaluate;
    }

    private void Unbind() => Bind(default, default, default, null);

    /// <summary>One pass with a gradient the caller computed at the current parameter buffer.</summary>
    protected void StepWithGradient(ArrayView<float> parameters, ArrayView<float> gradient)
    {
        using var exclusive = Exclusive.Enter(ref Driver.Busy, Name, "Step");
        CheckStepViews(parameters, gradient);
        Bind(parameters, gradient, default, null);
        try { Driver.RunNextPass(); }
        finally { Unbind(); }
    }

    /// <inheritdoc/>
    public void Step(ArrayView<float> parameters, GpuGradientFunction gradient)
    {
        using var exclusive = Exclusive.Enter(ref Driver.Busy, Name, "Step");
        ThrowIfDisposed();
        CheckView(parameters, nameof(parameters));
        ArgumentNullException.ThrowIfNull(gradient);
        var scratch = _gradientScratch ??= Accelerator.Allocate1D<float>(ParameterCount);
        Bind(parameters, scratch.View, default, gradient);
        try { Driver.Step(); }
        finally { Unbind(); }
    }

    /// <summary>A grid-stride launch: groups of <see cref="GpuKernelSettings.GroupSize"/> threads,
    /// <see cref="GpuKernelSettings.GroupsPerMultiprocessor"/> groups per multiprocessor (fewer when there is less work).</summary>
    private KernelConfig Configuration(long items)
    {
        var acc = Accelerator;
        int group = Math.Max(1, Math.Min(GpuKernelSettings.GroupSize, acc.MaxNumThreadsPerGroup));
        int perMultiprocessor = GpuKernelSettings.GroupsPerMultiprocessor > 0
            ? GpuKernelSettings.GroupsPerMultiprocessor
            : Math.Max(1, acc.MaxNumThreadsPerMultiprocessor / group);
        long maxGroups = Math.Min((long)Math.Max(1, acc.NumMultiprocessors) * perMultiprocessor, MaxThreads / group);
        int groups = (int)Math.Clamp((items + group - 1) / group, 1, Math.Max(1, maxGroups));
        return new KernelConfig(groups, group);
    }

    /// <inheritdoc/>
    public void GetIterate(ArrayView<float> parameters, ArrayView<float> iterate)
    {
        using var exclusive = Exclusive.Enter(ref Driver.Busy, Name, "GetIterate");
        ThrowIfDisposed();
        CheckView(parameters, nameof(parameters));
        CheckView(iterate, nameof(iterate));
        bool overlap = Overlap(parameters, iterate, out bool same);
        if (overlap && !same)
            throw new ArgumentException("The iterate view must be the parameter view itself or not overlap it.", nameof(iterate));
        int pass = Driver.IteratePass(out bool currentIsNext);
        if (pass < 0)
        {
            if (!same) parameters.CopyTo(_stream, iterate);
            return;
        }
        Bind(parameters, default, iterate, null);
        try { Driver.Execute(pass, currentIsNext); }
        finally { Unbind(); }
    }

    /// <inheritdoc/>
    public void Reset()
    {
        using var exclusive = Exclusive.Enter(ref Driver.Busy, Name, "Reset");
        ThrowIfDisposed();
        foreach (var a in _arrays) a?.MemSetToZero(_stream);
        Driver.Reset();
    }

    // ------------------------------------------------------------------ disposal

    /// <summary>Frees the state arrays and the gradient buffer on the accelerator.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var a in _arrays) a?.Dispose();
        _placeholder?.Dispose();
        _partials?.Dispose();
        _reductionPartials?.Dispose();
        _gradientScratch?.Dispose();
        _savedParameters?.Dispose();
        if (_savedArrays is not null) foreach (var a in _savedArrays) a?.Dispose();
        if (_rollbackArrays is not null) foreach (var a in _rollbackArrays) a?.Dispose();
        GC.SuppressFinalize(this);
    }
}
