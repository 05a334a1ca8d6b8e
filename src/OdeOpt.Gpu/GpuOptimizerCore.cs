using System;
using System.ComponentModel;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using OdeOpt.Runtime;

namespace OdeOpt.Gpu;

/// <summary>The scalars every generated kernel takes besides its views and uniforms (emitted code only).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[StructLayout(LayoutKind.Sequential)]
public struct GpuPassArguments
{
    /// <summary>The float4 groups the vector loop covers (0 when a buffer is not 16-byte aligned).</summary>
    public int VectorCount;
    /// <summary>The number of parameters.</summary>
    public int Length;
    /// <summary>The factor the gradient is multiplied by (1: no norm clipping).</summary>
    public float GradientScale;
    /// <summary>Every gradient component is clamped to [-GradientLimit, GradientLimit] (+infinity: no clipping).</summary>
    public float GradientLimit;
}

/// <summary>Launch settings of the GPU kernels, for every GPU optimizer in the process.</summary>
public static class GpuKernelSettings
{
    private static int s_groupSize = 256;
    private static int s_groupsPerMultiprocessor = 2;

    /// <summary>Threads per group (default 256; clamped to the accelerator's maximum).</summary>
    public static int GroupSize
    {
        get => s_groupSize;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            s_groupSize = value;
        }
    }

    /// <summary>Groups per multiprocessor of the grid-stride launch (default 2); 0 fills every multiprocessor once
    /// (its maximum resident threads / <see cref="GroupSize"/>). On an H100, 2 groups of 256 threads per multiprocessor
    /// moved 2-4% more bytes per second than a full one from 16M parameters on (docs/benchmarks.md).</summary>
    public static int GroupsPerMultiprocessor
    {
        get => s_groupsPerMultiprocessor;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            s_groupsPerMultiprocessor = value;
        }
    }

    /// <summary>Whether kernels read and write float4 groups when every buffer is 16-byte aligned (default true).</summary>
    public static bool VectorAccess { get; set; } = true;
}

/// <summary>
/// The runtime half of every generated GPU form: validation, the pass cycle (the CPU form's, pipelined
/// first-same-as-last steps included), per-step values, schedules, kernel loading and caching, launch configuration,
/// state arrays on the accelerator and the state format shared with the CPU form.
/// </summary>
/// <typeparam name="TUniforms">The CPU form's struct of per-step hoisted values.</typeparam>
/// <typeparam name="TViews">The generated struct of buffer views the kernels take.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract partial class GpuOptimizerCore<TUniforms, TViews> : IGpuOptimizer
    where TUniforms : unmanaged
    where TViews : struct
{
    /// <summary>The most parameters a GPU form takes: 32-bit kernel indices must not overflow in the grid-stride loop.</summary>
    public const int MaxParameterCount = int.MaxValue - MaxThreads;

    private const int MaxThreads = 1 << 22;

    // Loaded kernels (stream, grid, views, previous, current and next uniforms, scalars) per accelerator, for this optimizer type (a static field of a generic class: one table per optimizer).
    private static readonly ConditionalWeakTable<Accelerator, Action<AcceleratorStream, KernelConfig, TViews, TUniforms, TUniforms, TUniforms, GpuPassArguments>[]> s_kernels = new();
    private static readonly object s_loadLock = new();

    private readonly OptimizerInfo _info;
    private readonly SchemeLayout _layout;
    private readonly Action<AcceleratorStream, KernelConfig, TViews, TUniforms, TUniforms, TUniforms, GpuPassArguments>[] _launchers;
    private readonly MemoryBuffer1D<float, Stride1D.Dense>?[] _arrays;
    private readonly ArrayView<float>[] _arrayViews;
    private int _missingArrays; // optional arrays not allocated yet (bit i: array i); they hold 0 everywhere
    private MemoryBuffer1D<float, Stride1D.Dense>? _placeholder; // the view of a missing array: its kernels never touch it
    private readonly float[] _hyperparameters;
    private readonly Schedule?[] _schedules;
    private MemoryBuffer1D<float, Stride1D.Dense>? _gradientScratch;
    private AcceleratorStream _stream;
    private TUniforms _previous;
    private TUniforms _current;
    private TUniforms _next;
    private int _phase;
    private bool _started;
    private bool _initialized;
    private readonly GradientControls _controls = new();
    private MemoryBuffer1D<double, Stride1D.Dense>? _partials;
    private double[]? _partialsHost;
    private bool _disposed;
    private string? _interrupted; // a step left part-way with rollback off: why, until Reset or LoadState
    private int _busy; // Exclusive: one call at a time

    /// <summary>Loads (or takes from the cache) the kernels and allocates the zeroed state arrays on the accelerator.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parameterCount"/> is not positive or above <see cref="MaxParameterCount"/>.</exception>
    /// <exception cref="InvalidOperationException">The kernels cannot be compiled for the accelerator.</exception>
    protected GpuOptimizerCore(Accelerator accelerator, int parameterCount, OptimizerInfo info, SchemeLayout layout,
        Action<TViews, TUniforms, TUniforms, TUniforms, GpuPassArguments>[] kernels)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(kernels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parameterCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(parameterCount, MaxParameterCount);
        Accelerator = accelerator;
        ParameterCount = parameterCount;
        _info = info;
        _layout = layout;
        _stream = accelerator.DefaultStream;
        _launchers = LoadKernels(accelerator, kernels, info);
        _hyperparameters = info.Hyperparameters.Select(h => (float)h.DefaultValue).ToArray();
        _schedules = new Schedule?[_hyperparameters.Length];
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

    private static Action<AcceleratorStream, KernelConfig, TViews, TUniforms, TUniforms, TUniforms, GpuPassArguments>[] LoadKernels(Accelerator accelerator, Action<TViews, TUniforms, TUniforms, TUniforms, GpuPassArguments>[] kernels, OptimizerInfo info)
    {
        lock (s_loadLock)
        {
            if (s_kernels.TryGetValue(accelerator, out var cached)) return cached;
            var launchers = new Action<AcceleratorStream, KernelConfig, TViews, TUniforms, TUniforms, TUniforms, GpuPassArguments>[kernels.Length];
            try
            {
                for (int k = 0; k < kernels.Length; k++)
                {
                    launchers[k] = accelerator.LoadKernel(kernels[k]);
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new InvalidOperationException(
                    $"The GPU kernels of '{info.Name}' cannot be compiled for {accelerator.AcceleratorType} '{accelerator.Name}': {e.Message} " +
                    "Kernels that call Exp, Log or Pow need a Context created with EnableAlgorithms() (ILGPU.Algorithms). " +
                    "After a failed compile an ILGPU Context may fail to compile any other kernel; create a new Context.", e);
            }
            s_kernels.AddOrUpdate(accelerator, launchers);
            return launchers;
        }
    }

    // ------------------------------------------------------------------ properties

    OptimizerInfo IGpuOptimizer.Info => _info;

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

    /// <inheritdoc/>
    public int ParameterCount { get; }

    /// <inheritdoc/>
    public long StepCount { get; private set; }

    /// <inheritdoc/>
    public double GradientClipValue { get => _controls.ClipValue; set => _controls.ClipValue = value; }

    /// <inheritdoc/>
    public double GradientClipNorm { get => _controls.ClipNorm; set => _controls.ClipNorm = value; }

    /// <inheritdoc/>
    public NonFiniteGradientPolicy NonFiniteGradients { get => _controls.Policy; set => _controls.Policy = value; }

    /// <inheritdoc/>
    public long SkippedSteps => _controls.SkippedSteps;

    /// <inheritdoc/>
    public double LastGradientNorm => _controls.LastNorm;

    // ------------------------------------------------------------------ members the generator implements

    /// <summary>The hoisted per-step values of step <paramref name="step"/> (1-based) for the given hyperparameter values:
    /// the same computation as the CPU form's. <paramref name="previous"/> is the previous step's (read by step scalars).</summary>
    protected abstract TUniforms ComputeUniforms(long step, ReadOnlySpan<float> values, in TUniforms previous);

    /// <summary>The views struct of a pass: the caller's buffers (empty where the pass does not use them) and the state arrays.</summary>
    protected abstract TViews CreateViews(ArrayView<float> parameters, ArrayView<float> gradient, ArrayView<float> output);

    /// <summary>State array <paramref name="slot"/> on the accelerator (a placeholder for an optional array no pass has
    /// needed yet; the kernels that would touch it allocate it first).</summary>
    protected ArrayView<float> StateView(int slot) => _arrayViews[slot];

    /// <summary>The state arrays (bit i: array i) that pass <paramref name="pass"/> reads or writes under the flags of the
    /// uniforms it is launched with. Generated for layouts with optional arrays; all arrays otherwise.</summary>
    protected virtual int ArraysTouched(int pass, in TUniforms previous, in TUniforms current, in TUniforms next) => -1;

    /// <summary>How many state arrays are allocated on the accelerator (for tests).</summary>
    internal int AllocatedArrayCount => _arrays.Count(a => a is not null);

    private void AllocateArray(int i, AcceleratorStream stream)
    {
        var buffer = Accelerator.Allocate1D<float>(ParameterCount);
        buffer.MemSetToZero(stream);
        _arrays[i] = buffer;
        _arrayViews[i] = buffer.View;
        _missingArrays &= ~(1 << i);
    }

    /// <summary>Hyperparameter <paramref name="index"/> (declaration order), for the generated properties.</summary>
    protected ref float Hyperparameter(int index) => ref _hyperparameters[index];

    // ------------------------------------------------------------------ hyperparameters by name

    private int HyperIndex(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        for (int i = 0; i < _hyperparameters.Length; i++)
            if (_info.Hyperparameters[i].Name == name) return i;
        throw new ArgumentException($"'{_info.Name}' has no hyperparameter '{name}'. It has: {string.Join(", ", _info.Hyperparameters.Select(h => h.Name))}.", nameof(name));
    }

    /// <inheritdoc/>
    public float GetHyperparameter(string name) => _hyperparameters[HyperIndex(name)];

    /// <inheritdoc/>
    public void SetHyperparameter(string name, float value) => _hyperparameters[HyperIndex(name)] = value;

    /// <inheritdoc/>
    public void SetSchedule(string hyperparameter, Schedule? schedule) => _schedules[HyperIndex(hyperparameter)] = schedule;

    /// <inheritdoc/>
    public Schedule? GetSchedule(string hyperparameter) => _schedules[HyperIndex(hyperparameter)];

    private void ValidateHyperparameters(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            var h = _info.Hyperparameters[i];
            Check.Hyperparameter(values[i], h.Name, h.Min, h.MinExclusive, h.Max, h.MaxExclusive);
        }
    }

    private bool HasSchedules() => _schedules.Any(s => s is not null);

    /// <summary>The hyperparameters of step <paramref name="t"/> (schedules applied), checked.</summary>
    private void EffectiveHyperparameters(long t, Span<float> values)
    {
        _hyperparameters.CopyTo(values);
        for (int h = 0; h < values.Length; h++)
            if (_schedules[h] is { } schedule) values[h] = (float)schedule.Evaluate(t, values[h]);
        try
        {
            ValidateHyperparameters(values);
        }
        catch (ArgumentOutOfRangeException e) when (HasSchedules())
        {
            throw new ArgumentOutOfRangeException(e.ParamName, e.ActualValue, e.Message.Split(" (Parameter")[0] + $" at step {t} (schedules applied)");
        }
    }

    // ------------------------------------------------------------------ validation

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private void CheckView(ArrayView<float> view, string name)
    {
        if (!view.IsValid) throw new ArgumentException("The view is empty.", name);
        Accelerator owner;
        try { owner = view.GetAccelerator(); }
        catch (InvalidOperationException e) { throw new ArgumentException("The view's buffer was disposed or belongs to no accelerator.", name, e); }
        if (!ReferenceEquals(owner, Accelerator))
            throw new ArgumentException($"The view belongs to another accelerator ({owner.AcceleratorType} '{owner.Name}'), not to this optimizer's ({Accelerator.AcceleratorType} '{Accelerator.Name}').", name);
        if (view.Length != ParameterCount)
            throw new ArgumentException($"The view holds {view.Length} floats but the optimizer was created for {ParameterCount} parameters.", name);
    }

    private static bool Overlap(ArrayView<float> a, ArrayView<float> b, out bool same)
    {
        same = false;
        if (!ReferenceEquals(((IArrayView)a).Buffer, ((IArrayView)b).Buffer)) return false;
        long ia = ((IContiguousArrayView)a).Index, ib = ((IContiguousArrayView)b).Index;
        same = ia == ib && a.Length == b.Length;
        return ia < ib + b.Length && ib < ia + a.Length;
    }

    private static bool Aligned(ArrayView<float> view) => !view.IsValid || view.LoadEffectiveAddressAsPtr().ToInt64() % 16 == 0;

    // ------------------------------------------------------------------ stepping

    /// <summary>One pass with a gradient the caller computed at the current parameter buffer.</summary>
    protected void StepWithGradient(ArrayView<float> parameters, ArrayView<float> gradient)
    {
        using var exclusive = Exclusive.Enter(ref _busy, _info.Name, "Step");
        ThrowIfDisposed();
        CheckView(parameters, nameof(parameters));
        CheckView(gradient, nameof(gradient));
        if (Overlap(parameters, gradient, out _))
            throw new ArgumentException("The gradient view must not overlap the parameter view.", nameof(gradient));
        RunNextPass(parameters, gradient);
    }

    /// <inheritdoc/>
    public void Step(ArrayView<float> parameters, GpuGradientFunction gradient)
    {
        using var exclusive = Exclusive.Enter(ref _busy, _info.Name, "Step");
        ThrowIfDisposed();
        CheckView(parameters, nameof(parameters));
        ArgumentNullException.ThrowIfNull(gradient);
        if (NextPassBeginsStep(out _, out _))
        {
            Span<float> values = stackalloc float[_hyperparameters.Length];
            EffectiveHyperparameters(StepCount + 1, values);   // hyperparameters checked before the first gradient
        }
        if (_interrupted is not null) throw new InvalidOperationException(_interrupted);
        var scratch = _gradientScratch ??= Accelerator.Allocate1D<float>(ParameterCount);
        gradient(parameters, scratch.View); // nothing has changed yet if it throws
        bool onePass = _layout.Cycle.Length == 1 || (_layout.StartPass >= 0 && !_started);
        if (onePass)
        {
            RunNextPass(parameters, scratch.View); // false: skipped under SkipStep, nothing changed
            return;
        }
        if (!RollbackFailedSteps)
        {
            StepWithoutRollback(parameters, scratch.View, gradient);
            return;
        }
        // A step of several passes is a transaction, as on the CPU (OptimizerCore.RunStep): a later evaluation that
        // throws, or a later gradient refused under Throw or SkipStep, puts everything back as the step found it.
        TakeSnapshot(parameters);
        bool restore = true;
        try
        {
            if (!RunNextPass(parameters, scratch.View)) { restore = false; return; }
            while (!AtRest)
            {
                gradient(parameters, scratch.View);
                if (!RunNextPass(parameters, scratch.View)) return; // a later pass skipped: the whole step is undone
            }
            restore = false;
        }
        finally
        {
            if (restore) RestoreSnapshot(parameters);
        }
    }

    private bool AtRest => _phase == 0 && (_layout.StartPass < 0 || _started);

    private bool NextPassBeginsStep(out int pass, out bool starting)
    {
        starting = _layout.StartPass >= 0 && !_started;
        pass = starting ? _layout.StartPass : _layout.Cycle[_phase];
        return _layout.BeginsStep[pass];
    }

    /// <summary>The CPU form's pass cycle (OptimizerCore.RunNextPass) for one segment: everything is checked before the
    /// first kernel is queued. Returns false when the pass was skipped (non-finite gradient, SkipStep).</summary>
    private bool RunNextPass(ArrayView<float> parameters, ArrayView<float> gradient)
    {
        bool begins = NextPassBeginsStep(out int pass, out bool starting);
        TUniforms fresh = default;
        if (begins)
        {
            Span<float> values = stackalloc float[_hyperparameters.Length];
            EffectiveHyperparameters(StepCount + 1, values);
            fresh = _initialized ? ComputeUniforms(StepCount + 1, values, in _current) : ComputeUniforms(StepCount + 1, values, default);
        }
        if (!PrepareGradient(gradient)) return false;
        if (begins)
        {
            if (!_initialized)
            {
                _previous = fresh;
                _current = fresh;
                _next = fresh;
            }
            else
            {
                // Pipelined (first-same-as-last) schemes finish the previous step with its own values; the others
                // recover the look-ahead point with the values it was written with (the previous step's preview).
                _previous = _layout.StartPass >= 0 ? _current : _next;
                _current = fresh;
                _next = fresh;
            }
        }
        if (!_initialized)
        {
            if (_layout.InitPass >= 0) Launch(_layout.InitPass, parameters, gradient, default);
            _initialized = true;
        }
        if (_layout.StartPass < 0 && _phase == _layout.Cycle.Length - 1) PreviewNextStep(begins ? StepCount + 2 : StepCount + 1);
        Launch(pass, parameters, gradient, default);

        if (begins) StepCount++;
        if (starting) _started = true;
        else _phase = (_phase + 1) % _layout.Cycle.Length;
        return true;
    }

    /// <summary>Norm clipping and the non-finite check (OptimizerCore.PrepareGradient): one reduction over the gradient
    /// on the accelerator when either is on; nothing is written before the verdict.</summary>
    private bool PrepareGradient(ArrayView<float> gradient)
    {
        if (!_controls.NeedsNorm()) return true;
        _partials ??= Accelerator.Allocate1D<double>(GpuReductions.MaxGroups);
        _partialsHost ??= new double[GpuReductions.MaxGroups];
        double sumOfSquares = GpuReductions.SumOfSquares(Accelerator, _stream, gradient, _partials, _partialsHost);
        return _controls.Accept(sumOfSquares, _info.Name, StepCount + (NextPassBeginsStep(out _, out _) ? 1 : 0));
    }

    /// <summary>Before the last pass of a step writes the next step's first gradient point: the next step's values as
    /// known now (the current ones when they cannot be computed; the next step's check reports the problem).</summary>
    private void PreviewNextStep(long t)
    {
        _next = _current;
        Span<float> values = stackalloc float[_hyperparameters.Length];
        try
        {
            EffectiveHyperparameters(t, values);
            _next = ComputeUniforms(t, values, in _current);
        }
        catch (ArgumentOutOfRangeException)
        {
            // keep the current values
        }
    }

    private void Launch(int pass, ArrayView<float> parameters, ArrayView<float> gradient, ArrayView<float> output, bool currentIsNext = false)
    {
        if (_missingArrays != 0)
        {
            // Zeroed on the optimizer's stream, before the launch that first touches them: their value so far.
            int needed = ArraysTouched(pass, in _previous, in currentIsNext ? ref _next : ref _current, in _next) & _missingArrays;
            for (int i = 0; needed != 0; i++, needed >>= 1)
                if ((needed & 1) != 0) AllocateArray(i, _stream);
        }
        var views = CreateViews(parameters, gradient, output);
        bool vector = GpuKernelSettings.VectorAccess && Aligned(parameters) && Aligned(gradient) && Aligned(output);
        foreach (var a in _arrayViews) vector &= Aligned(a);
        int vectorCount = vector ? ParameterCount / 4 : 0;
        var arguments = new GpuPassArguments
        {
            VectorCount = vectorCount,
            Length = ParameterCount,
            GradientScale = _controls.Scale,
            GradientLimit = _controls.Limit,
        };
        _launchers[pass](_stream, Configuration(vectorCount + (ParameterCount - 4 * vectorCount)), views, _previous, currentIsNext ? _next : _current, _next, arguments);
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
        using var exclusive = Exclusive.Enter(ref _busy, _info.Name, "GetIterate");
        ThrowIfDisposed();
        CheckView(parameters, nameof(parameters));
        CheckView(iterate, nameof(iterate));
        bool overlap = Overlap(parameters, iterate, out bool same);
        if (overlap && !same)
            throw new ArgumentException("The iterate view must be the parameter view itself or not overlap it.", nameof(iterate));
        int pass = !_initialized || _layout.IteratePasses.Length == 0 ? -1
            : _layout.StartPass >= 0 && !_started ? _layout.IterateAtStartPass
            : _layout.IteratePasses[_phase];
        if (pass < 0)
        {
            if (!same) parameters.CopyTo(_stream, iterate);
            return;
        }
        // At rest between steps, a non-pipelined scheme's point was written with the next step's values.
        bool atRest = _layout.StartPass < 0 && _phase == 0;
        Launch(pass, parameters, default, iterate, currentIsNext: atRest);
    }

    /// <inheritdoc/>
    public void Reset()
    {
        using var exclusive = Exclusive.Enter(ref _busy, _info.Name, "Reset");
        ThrowIfDisposed();
        foreach (var a in _arrays) a?.MemSetToZero(_stream);
        StepCount = 0;
        _controls.Reset();
        _phase = 0;
        _started = false;
        _interrupted = null;
        _initialized = false;
        _previous = default;
        _current = default;
        _next = default;
    }

    // ------------------------------------------------------------------ state

    private static byte[] Bytes(in TUniforms value) => MemoryMarshal.AsBytes(new ReadOnlySpan<TUniforms>(in value)).ToArray();

    private static TUniforms FromBytes(byte[] bytes)
    {
        TUniforms value = default;
        bytes.CopyTo(MemoryMarshal.AsBytes(new Span<TUniforms>(ref value)));
        return value;
    }

    /// <inheritdoc/>
    public void SaveState(System.IO.Stream stream)
    {
        using var exclusive = Exclusive.Enter(ref _busy, _info.Name, "SaveState");
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(stream);
        _stream.Synchronize();
        var host = new float[]?[_arrays.Length];
        for (int i = 0; i < host.Length; i++)
        {
            if (_arrays[i] is not { } array) continue; // never allocated: written as its zeros
            host[i] = new float[ParameterCount];
            array.View.CopyToCPU(host[i]);
        }
        var state = new StateFormat.Snapshot
        {
            Name = _info.Name,
            ParameterCount = ParameterCount,
            StepCount = StepCount,
            Phase = _phase,
            Started = _started,
            Initialized = _initialized,
            SkippedSteps = _controls.SkippedSteps,
            Hyperparameters = (float[])_hyperparameters.Clone(),
            Groups = Array.Empty<StateFormat.Group>(),
            UniformSize = Unsafe.SizeOf<TUniforms>(),
            Segments = new[] { new StateFormat.SegmentState(0, ParameterCount, Bytes(in _previous), Bytes(in _current), Bytes(in _next)) },
            ArrayCount = _arrays.Length,
        };
        StateFormat.Write(stream, state, i => host[i]);
    }

    /// <inheritdoc/>
    public void LoadState(System.IO.Stream stream)
    {
        using var exclusive = Exclusive.Enter(ref _busy, _info.Name, "LoadState");
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(stream);
        var state = StateFormat.Read(stream, _info, ParameterCount, _arrays.Length, Unsafe.SizeOf<TUniforms>(), _layout.Cycle.Length, out var arrays);
        InvalidDataException Invalid(string why) => new($"The stream cannot be loaded into this '{_info.Name}' optimizer: {why}. Nothing was changed.");
        if (state.Groups.Length > 0) throw Invalid("it has parameter groups, which the GPU form does not support yet");
        if (state.Segments.Length != 1) throw Invalid("its per-step values are split into segments, which the GPU form does not support yet");
        try
        {
            ValidateHyperparameters(state.Hyperparameters);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"The stream cannot be loaded into this '{_info.Name}' optimizer: {e.Message} Nothing was changed.", e);
        }

        _stream.Synchronize();
        for (int i = 0; i < _arrays.Length; i++)
        {
            // An optional array stays unallocated while the stream holds only its initial zeros.
            if (_arrays[i] is null && !MemoryMarshal.Cast<float, int>(arrays[i].AsSpan()).ContainsAnyExcept(0)) continue;
            if (_arrays[i] is null) AllocateArray(i, _stream);
            _arrays[i]!.View.CopyFromCPU(_stream, arrays[i]);
        }
        _stream.Synchronize();
        state.Hyperparameters.CopyTo(_hyperparameters, 0);
        var segment = state.Segments[0];
        _previous = FromBytes(segment.Prev);
        _current = FromBytes(segment.Cur);
        _next = FromBytes(segment.Next);
        StepCount = state.StepCount;
        _controls.SkippedSteps = state.SkippedSteps;
        _phase = state.Phase;
        _started = state.Started;
        _initialized = state.Initialized;
        _interrupted = null;
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
        _gradientScratch?.Dispose();
        _snapshotParameters?.Dispose();
        if (_snapshotArrays is not null) foreach (var a in _snapshotArrays) a?.Dispose();
        GC.SuppressFinalize(this);
    }
}
