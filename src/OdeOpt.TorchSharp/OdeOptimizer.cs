// The TorchSharp face of an OdeOpt optimizer: a torch.optim.Optimizer over a module's parameters (step, step(closure),
// zero_grad, parameter groups that TorchSharp's LR schedulers drive, state save/load), stepping the flat buffers of
// FlatParameters in place with the generated fused passes. docs/torchsharp.md is the user's page.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using OdeOpt.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.optim;
using TorchParameter = TorchSharp.Modules.Parameter;

namespace OdeOpt.TorchSharp;

/// <summary>Any OdeOpt optimizer (a built-in or your own <c>[Optimizer]</c> declaration) as a TorchSharp optimizer.</summary>
/// <remarks>
/// <para>Building it moves the storage of every trainable parameter into one contiguous float32 tensor
/// (<see cref="FlatParameters"/>) and binds every gradient to a view of a second one (<see cref="FlatGradients"/>);
/// backward then accumulates into that buffer and a step is one fused pass over the two per gradient evaluation, with no
/// copy and no managed allocation.</para>
/// <para>Differences from torch.optim, all checked: <see cref="zero_grad"/> zeroes the gradients in place (they stay
/// bound; torch's default sets them to None); a trainable parameter without a gradient at a step throws instead of being
/// skipped (all parameters share one step count); parameters must be CPU float32 and contiguous.</para>
/// </remarks>
public sealed class OdeOptimizer : Optimizer
{
    private readonly IOptimizer _inner;
    private readonly ITrainingOptimizer? _training;
    private readonly ISingleGradientOptimizer? _single;
    private readonly IBFloat16ParameterOptimizer? _bfloat16; // set when the flat buffers are bfloat16
    private readonly FlatBuffers _flat;
    private readonly OdeOptParamGroup[] _groups;
    private readonly string? _stepSize;
    private readonly GradientFunction _evaluate;
    private readonly LossGradientFunction _evaluateWithLoss;
    private Func<Tensor>? _closure;
    private Tensor? _firstLoss;
    private int _evaluations;
    private float[]? _iterateBackup;
    private bool _iterateIn;
    private ParameterGroup?[]? _coreGroups;

    private OdeOptimizer(IReadOnlyList<OdeOptParamGroup> groups, Func<int, IOptimizer> create) : base(IntPtr.Zero)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (groups.Count == 0) throw new ArgumentException("No parameter group was given.", nameof(groups));
        _ = global::TorchSharp.torch.CPU; // loads libtorch and the glue before the first direct native call
        var trainable = new List<(string, TorchParameter)>();
        var counts = new long[groups.Count];
        for (int k = 0; k < groups.Count; k++)
        {
            if (groups[k] is null) throw new ArgumentException($"Parameter group {k} is null.", nameof(groups));
            foreach (var (name, p) in groups[k].Parameters)
            {
                if (!p.requires_grad) continue;
                trainable.Add((groups.Count > 1 ? $"group {k}: {name}" : name, p));
                counts[k] += p.numel();
            }
        }
        long total = counts.Sum();
        if (total == 0) throw new ArgumentException("The optimizer has no trainable parameter (every parameter is empty or has requires_grad = false).", nameof(groups));
        if (total > int.MaxValue) throw new ArgumentException($"{total} parameters: OdeOpt optimizers hold at most {int.MaxValue}.", nameof(groups));

        // The OdeOpt optimizer and every group option are checked before any parameter is touched.
        _inner = create((int)total);
        _training = _inner as ITrainingOptimizer;
        _single = _inner as ISingleGradientOptimizer;
        var info = _inner.Info;
        _stepSize = info.Hyperparameters.FirstOrDefault(h => h.IsStepSize)?.Name
            ?? info.Hyperparameters.FirstOrDefault(h => h.Name == "LearningRate")?.Name;
        bool overrides = groups.Any(g => g.Pending.Count > 0);
        if (_training is null && (groups.Count > 1 || overrides))
            throw new ArgumentException($"'{info.Name}' ({_inner.GetType().Name}) does not implement ITrainingOptimizer, so it cannot have parameter groups with their own options.", nameof(groups));
        foreach (var g in groups)
            foreach (var key in g.Pending.Keys) ResolveName(key);
        for (int k = 0; k < groups.Count; k++)
        {
            if (groups[k].IsAttached) throw new ArgumentException($"Parameter group {k} already belongs to another optimizer.", nameof(groups));
            for (int j = 0; j < k; j++)
                if (ReferenceEquals(groups[j], groups[k])) throw new ArgumentException($"Parameter groups {j} and {k} are the same object.", nameof(groups));
        }

        _flat = new FlatBuffers(trainable, _inner is IBFloat16ParameterOptimizer);
        if (_flat.ElementType == ScalarType.BFloat16) _bfloat16 = (IBFloat16ParameterOptimizer)_inner;
        _groups = groups.ToArray();
        long offset = 0;
        for (int k = 0; k < _groups.Length; k++)
        {
            if (_training is not null && counts[k] > 0) _training.Groups.Add((int)offset, (int)counts[k], $"group {k}");
            var pending = _groups[k].Pending.ToArray();
            _groups[k].Attach(this, k);
            foreach (var (key, value) in pending) SetGroupValue(k, key, value);
            if (double.IsNaN(_groups[k].InitialLearningRate)) _groups[k].InitialLearningRate = _groups[k].LearningRate;
            offset += counts[k];
        }
        _evaluate = Evaluate;
        _evaluateWithLoss = EvaluateWithLoss;
    }

    // ------------------------------------------------------------------ construction

    /// <summary>An optimizer of type <typeparamref name="T"/> over the trainable parameters (Module.parameters()).</summary>
    /// <param name="parameters">The parameters; those with requires_grad = false are left out.</param>
    /// <param name="configure">Sets hyperparameters on the new OdeOpt optimizer (for example <c>a => a.LearningRate = 1e-3f</c>).</param>
    /// <exception cref="ArgumentException">A parameter is not CPU float32 contiguous, is given twice, or none is trainable.</exception>
    public static OdeOptimizer Create<T>(IEnumerable<TorchParameter> parameters, Action<T>? configure = null) where T : class, IOptimizer =>
        Create(new[] { new OdeOptParamGroup(parameters) }, configure);

    /// <summary>An optimizer of type <typeparamref name="T"/> over named parameters (Module.named_parameters()); the
    /// names appear in messages.</summary>
    public static OdeOptimizer Create<T>(IEnumerable<(string Name, TorchParameter Parameter)> parameters, Action<T>? configure = null) where T : class, IOptimizer =>
        Create(new[] { new OdeOptParamGroup(parameters) }, configure);

    /// <summary>An optimizer of type <typeparamref name="T"/> over parameter groups with their own options.</summary>
    public static OdeOptimizer Create<T>(IEnumerable<OdeOptParamGroup> groups, Action<T>? configure = null) where T : class, IOptimizer
    {
        ArgumentNullException.ThrowIfNull(groups);
        var ctor = typeof(T).GetConstructor(new[] { typeof(int) })
            ?? throw new ArgumentException($"{typeof(T).Name} has no constructor (int parameterCount); generated optimizers have one.", nameof(T));
        return new OdeOptimizer(groups.ToArray(), n =>
        {
            var opt = (T)ctor.Invoke(new object[] { n });
            configure?.Invoke(opt);
            return opt;
        });
    }

    /// <summary>An optimizer by registry name (<see cref="OptimizerRegistry.Names"/>: the built-ins and every optimizer
    /// declared in a loaded assembly) with hyperparameters by property name.</summary>
    public static OdeOptimizer Create(string name, IEnumerable<TorchParameter> parameters, IReadOnlyDictionary<string, double>? hyperparameters = null) =>
        Create(name, new[] { new OdeOptParamGroup(parameters) }, hyperparameters);

    /// <summary>An optimizer by registry name over parameter groups.</summary>
    public static OdeOptimizer Create(string name, IEnumerable<OdeOptParamGroup> groups, IReadOnlyDictionary<string, double>? hyperparameters = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(groups);
        if (!OptimizerRegistry.Contains(name))
            throw new ArgumentException($"No optimizer is registered as '{name}'. Known: {string.Join(", ", OptimizerRegistry.Names)}.", nameof(name));
        return new OdeOptimizer(groups.ToArray(), n =>
        {
            var opt = OptimizerRegistry.Create(name, n);
            if (hyperparameters is not null)
            {
                if (opt is not ITrainingOptimizer t) throw new ArgumentException($"'{name}' does not implement ITrainingOptimizer: its hyperparameters cannot be set by name.", nameof(hyperparameters));
                foreach (var (key, value) in hyperparameters) t.SetHyperparameter(key, (float)value);
            }
            return opt;
        });
    }

    // ------------------------------------------------------------------ what it is

    /// <summary>The OdeOpt optimizer inside: its <see cref="OptimizerInfo"/>, hyperparameters, schedules, clipping.</summary>
    public IOptimizer Inner => _inner;

    /// <summary>What the scheme is: order, gradients per step, state, hyperparameters.</summary>
    public OptimizerInfo Info => _inner.Info;

    /// <summary>Steps begun so far (the t of the latest step).</summary>
    public long StepCount => _inner.StepCount;

    /// <summary>The flat float32 tensor holding every trainable parameter (the parameters are views of it): the buffer
    /// a data-parallel broadcast or a checkpoint of the raw values uses. bfloat16 when the parameters are bfloat16 and the
    /// optimizer steps bfloat16 buffers ([ParameterStorage], such as adam-bf16).</summary>
    public Tensor FlatParameters => _flat.Values;

    /// <summary>The flat float32 (or bfloat16, as <see cref="FlatParameters"/>) tensor holding every gradient (the gradients
    /// are views of it): one all-reduce over it per step is all data-parallel training needs.</summary>
    public Tensor FlatGradients => _flat.Gradients;

    /// <summary>The parameter groups, in the order given.</summary>
    public IReadOnlyList<OdeOptParamGroup> Groups => _groups;

    /// <inheritdoc/>
    public override IEnumerable<ILearningRateController> ParamGroups => _groups;

    /// <inheritdoc/>
    public override IEnumerable<TorchParameter> parameters() => _flat.Entries.Select(e => e.Parameter);

    /// <summary>Not supported: the flat buffers are laid out when the optimizer is built; give every group then.</summary>
    public override void add_param_group(global::TorchSharp.Modules.ParamGroup param_group) =>
        throw new NotSupportedException("OdeOptimizer lays out its flat buffers when it is built: pass every parameter group to OdeOptimizer.Create.");

    // ------------------------------------------------------------------ stepping

    /// <summary>Zeroes every gradient in place (one pass over the flat gradient); a gradient that was set to null is
    /// bound to its slot again. Unlike torch's default, gradients become zero, not null.</summary>
    public override void zero_grad() => _flat.ZeroGradients();

    /// <summary>One step. Without a closure the gradients in the model (after backward) are used; the scheme must need one
    /// gradient per step. With a closure (which zeroes the gradients, computes the loss, calls backward and returns the
    /// loss, as in torch.optim), the scheme calls it at every point it needs, <see cref="OptimizerInfo.GradientEvaluationsPerStep"/>
    /// times per step (a range, <see cref="OptimizerInfo.GradientCount"/>, for schemes that solve or choose their step); the
    /// first call's loss is returned. A line search (<see cref="StepControl.Armijo"/>) also reads the loss of every call.</summary>
    /// <exception cref="InvalidOperationException">A multi-gradient scheme without a closure, a parameter without a
    /// gradient, or a parameter whose storage was replaced; nothing was changed.</exception>
    public override Tensor step(Func<Tensor>? closure = null)
    {
        if (_iterateIn) throw new InvalidOperationException("The model holds theta (UseIterate) instead of the point the next gradient is taken at; dispose that scope before stepping.");
        _flat.CheckParameters();
        if (_bfloat16 is not null)
        {
            // bfloat16 buffers ([ParameterStorage]): one gradient per step, theta rounded stochastically.
            var first = closure?.Invoke();
            _flat.CheckGradients(Info.Name, _inner.StepCount + 1);
            _evaluations = closure is null ? 0 : 1;
            _bfloat16.Step(_flat.ValueSpan16, _flat.GradientSpan16);
            return first!;
        }
        if (closure is null)
        {
            if (_single is null)
                throw new InvalidOperationException($"'{Info.Name}' evaluates the gradient {Info.GradientEvaluationsPerStep} times per step: call step(closure) with a closure that computes the loss and its gradients.");
            _flat.CheckGradients(Info.Name, _inner.StepCount + 1);
            _single.Step(_flat.ValueSpan, _flat.GradientSpan);
            return null!;
        }
        _closure = closure;
        _firstLoss = null;
        _evaluations = 0;
        try
        {
            // A line search compares losses: it gets the closure's loss with each gradient.
            if (Info.StepControl == StepControl.Armijo) _inner.Step(_flat.ValueSpan, _flat.GradientSpan, _evaluateWithLoss);
            else _inner.Step(_flat.ValueSpan, _flat.GradientSpan, _evaluate);
        }
        finally
        {
            _closure = null;
        }
        var loss = _firstLoss;
        _firstLoss = null;
        return loss!;
    }

    /// <summary>Closure calls of the latest <c>step(closure)</c>.</summary>
    public int LastEvaluationCount => _evaluations;

    private float EvaluateWithLoss(ReadOnlySpan<float> parameters, Span<float> gradient)
    {
        var loss = _closure!();
        if (loss is null)
            throw new InvalidOperationException($"'{Info.Name}' chooses its step by a line search on the loss: the closure must return the loss tensor.");
        float value = loss.item<float>();
        _flat.CheckGradients(Info.Name, _inner.StepCount + (_evaluations == 0 ? 1 : 0));
        if (_evaluations++ == 0) _firstLoss = loss;
        else loss.Dispose();
        return value;
    }

    private void Evaluate(ReadOnlySpan<float> parameters, Span<float> gradient)
    {
        // The parameters already are the point the scheme asks for (the model's storage is the flat buffer), and
        // backward accumulates into the flat gradient that the pass reads next.
        var loss = _closure!();
        _flat.CheckGradients(Info.Name, _inner.StepCount + (_evaluations == 0 ? 1 : 0));
        if (_evaluations++ == 0) _firstLoss = loss;
        else loss?.Dispose();
    }

    // ------------------------------------------------------------------ look-ahead schemes

    /// <summary>Puts theta, the iterate, into the model until the scope is disposed, then the look-ahead point back. For
    /// look-ahead schemes (<c>[GradientAt]</c>: Nesterov, super-acceleration) the model holds the point the next gradient
    /// is taken at; evaluate, test or save the model inside this scope. For other schemes the model already holds theta
    /// and the scope changes nothing.</summary>
    public IterateScope UseIterate()
    {
        if (_iterateIn) throw new InvalidOperationException("UseIterate scopes do not nest.");
        if (_bfloat16 is not null) return default; // a bfloat16 step keeps theta itself in the buffer ([ParameterStorage])
        var backup = _iterateBackup ??= GC.AllocateUninitializedArray<float>(_flat.Count);
        _flat.ValueSpan.CopyTo(backup);
        _inner.GetIterate(backup, _flat.ValueSpan);
        _iterateIn = true;
        return new IterateScope(this);
    }

    /// <summary>Writes theta, the iterate, into <paramref name="destination"/> (flat, in parameter order) without touching the model.</summary>
    public void CopyIterateTo(Span<float> destination)
    {
        if (_bfloat16 is null) _inner.GetIterate(_flat.ValueSpan, destination);
        else OdeOpt.Runtime.BFloat16.Widen(_flat.ValueSpan16, destination.Length == _flat.Count ? destination : throw new ArgumentException($"The destination holds {destination.Length} floats, not {_flat.Count}.", nameof(destination)));
    }

    private void RestoreLookAhead()
    {
        if (!_iterateIn) return;
        _iterateBackup.AsSpan().CopyTo(_flat.ValueSpan);
        _iterateIn = false;
    }

    /// <summary>Holds theta in the model; disposing it puts the look-ahead point back.</summary>
    public readonly struct IterateScope : IDisposable
    {
        private readonly OdeOptimizer? _owner;
        internal IterateScope(OdeOptimizer owner) => _owner = owner;
        /// <summary>Puts the look-ahead point back into the model.</summary>
        public void Dispose() => _owner?.RestoreLookAhead();
    }

    // ------------------------------------------------------------------ groups

    internal string ResolveName(string key)
    {
        // No lambda here: a captured parameter would allocate at every call, and schedulers call this every step.
        if (key == "lr") return _stepSize ?? throw new ArgumentException($"'{Info.Name}' has no step size or LearningRate hyperparameter, so it has no 'lr'.", nameof(key));
        var hyperparameters = Info.Hyperparameters;
        for (int i = 0; i < hyperparameters.Count; i++)
            if (hyperparameters[i].Name == key) return key;
        throw new ArgumentException($"'{Info.Name}' has no hyperparameter '{key}'. It has: {string.Join(", ", Info.Hyperparameters.Select(h => h.Name))} (and 'lr' for the step size).", nameof(key));
    }

    internal double? GetGroupValue(int group, string key)
    {
        string name = ResolveName(key);
        if (_training is null) return null;
        var core = CoreGroup(group);
        return core?[name] ?? _training.GetHyperparameter(name);
    }

    internal void SetGroupValue(int group, string key, double? value)
    {
        string name = ResolveName(key);
        if (_training is null) throw new NotSupportedException($"'{Info.Name}' does not implement ITrainingOptimizer: its groups have no options of their own.");
        var core = CoreGroup(group) ?? throw new InvalidOperationException($"Parameter group {group} has no trainable parameter.");
        float? next = value is double d ? (float)d : null;
        if (core[name] != next) core[name] = next; // unchanged values leave the group layout as it is
    }

    /// <summary>The core group of a parameter group (null: a group without trainable parameters), cached: looked up by
    /// name only after the core's groups were replaced (a state load).</summary>
    private ParameterGroup? CoreGroup(int group)
    {
        var groups = _training!.Groups;
        _coreGroups ??= new ParameterGroup?[_groups.Length];
        var cached = _coreGroups[group];
        if (cached is not null && groups.Contains(cached)) return cached;
        string name = $"group {group}";
        foreach (var g in groups) if (g.Name == name) return _coreGroups[group] = g;
        return null;
    }

    // ------------------------------------------------------------------ state

    private const string Magic = "OdeOpt.TorchSharp";
    private const int FormatVersion = 1;

    /// <summary>Writes the optimizer state: the layout of the parameters (names are not stored; counts and shapes are),
    /// each group's initial learning rate, then OdeOpt's checkpoint of the optimizer (step count, hyperparameters and
    /// group options, every state array). Parameter values are the model's, as in torch.</summary>
    public void save_state_dict(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        w.Write(Magic);
        w.Write(FormatVersion);
        w.Write(_flat.Entries.Count);
        foreach (var e in _flat.Entries)
        {
            w.Write(e.Shape.Length);
            foreach (var d in e.Shape) w.Write(d);
        }
        w.Write(_groups.Length);
        foreach (var g in _groups) w.Write(g.InitialLearningRate);
        using var inner = new MemoryStream();
        _inner.SaveState(inner);
        w.Write(inner.Length);
        w.Write(inner.GetBuffer(), 0, (int)inner.Length);
    }

    /// <summary>Writes the state to a file.</summary>
    public void save_state_dict(string path)
    {
        using var f = File.Create(path);
        save_state_dict(f);
    }

    /// <summary>Restores a state written by <see cref="save_state_dict(Stream)"/> into an optimizer over parameters of the
    /// same shapes.</summary>
    /// <exception cref="InvalidDataException">Another layout, another optimizer, a truncated or corrupted stream;
    /// nothing was changed.</exception>
    public void load_state_dict(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        double[] initial;
        byte[] payload;
        try
        {
            using var r = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            if (r.ReadString() != Magic) throw new InvalidDataException("The stream is not an OdeOpt.TorchSharp optimizer state.");
            int version = r.ReadInt32();
            if (version != FormatVersion) throw new InvalidDataException($"The stream has format version {version}; this build reads {FormatVersion}.");
            int count = r.ReadInt32();
            if (count != _flat.Entries.Count) throw new InvalidDataException($"The stream is the state of {count} parameters; this optimizer has {_flat.Entries.Count}.");
            for (int i = 0; i < count; i++)
            {
                int rank = r.ReadInt32();
                if (rank < 0 || rank > 64) throw new InvalidDataException("The stream is corrupted (a parameter's rank).");
                var shape = new long[rank];
                for (int d = 0; d < rank; d++) shape[d] = r.ReadInt64();
                if (!shape.AsSpan().SequenceEqual(_flat.Entries[i].Shape))
                    throw new InvalidDataException($"Parameter {i} ('{_flat.Entries[i].Name}') has shape {FlatBuffers.Shape(_flat.Entries[i].Shape)} here and {FlatBuffers.Shape(shape)} in the stream.");
            }
            int groups = r.ReadInt32();
            if (groups != _groups.Length) throw new InvalidDataException($"The stream has {groups} parameter groups; this optimizer has {_groups.Length}.");
            initial = new double[groups];
            for (int k = 0; k < groups; k++) initial[k] = r.ReadDouble();
            long length = r.ReadInt64();
            if (length < 0 || length > int.MaxValue) throw new InvalidDataException("The stream is corrupted (state length).");
            payload = r.ReadBytes((int)length);
            if (payload.Length != length) throw new InvalidDataException("The stream is truncated.");
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("The stream is truncated; nothing was changed.", e);
        }
        _inner.LoadState(new MemoryStream(payload, writable: false)); // checks everything before it changes anything
        for (int k = 0; k < initial.Length; k++) _groups[k].InitialLearningRate = initial[k];
    }

    /// <summary>Restores the state from a file.</summary>
    public void load_state_dict(string path)
    {
        using var f = File.OpenRead(path);
        load_state_dict(f);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing) _flat.Dispose();
        base.Dispose(disposing);
    }
}
