// A torch.optim-style parameter group: parameters with their own hyperparameter values. Its LearningRate is what
// TorchSharp's learning-rate schedulers read and write (ILearningRateController); inside the optimizer it is an
// override of the optimizer's step-size hyperparameter on the group's segment of the flat buffer.
using System;
using System.Collections.Generic;
using System.Linq;
using TorchParameter = TorchSharp.Modules.Parameter;
using static TorchSharp.torch.optim;

namespace OdeOpt.TorchSharp;

/// <summary>Parameters with their own hyperparameter values, as a <c>param_group</c> of torch.optim.</summary>
/// <remarks>Hyperparameters are named by their OdeOpt property names (<c>"WeightDecay"</c>, <c>"Beta1"</c>; the optimizer's
/// <c>Info.Hyperparameters</c> lists them); <c>"lr"</c> names the step size. Values set before the optimizer is built are
/// checked when it is built; afterwards they apply from the next step on.</remarks>
public sealed class OdeOptParamGroup : ILearningRateController
{
    private readonly Dictionary<string, double> _pending = new(StringComparer.Ordinal);
    private OdeOptimizer? _owner;
    private int _index;

    /// <param name="parameters">The group's parameters; those with requires_grad = false are left out.</param>
    public OdeOptParamGroup(IEnumerable<TorchParameter> parameters)
        : this((parameters ?? throw new ArgumentNullException(nameof(parameters))).Select((p, i) => ($"#{i}", p)))
    {
    }

    /// <param name="parameters">The group's parameters with names for messages (Module.named_parameters()).</param>
    public OdeOptParamGroup(IEnumerable<(string Name, TorchParameter Parameter)> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters.ToArray();
        foreach (var (name, p) in Parameters)
            if (p is null) throw new ArgumentException($"The parameter '{name}' is null.", nameof(parameters));
    }

    /// <summary>The parameters as given (trainable or not).</summary>
    public IReadOnlyList<(string Name, TorchParameter Parameter)> Parameters { get; }

    /// <summary>A hyperparameter of this group by its property name (or <c>"lr"</c>): its override, or the optimizer's own
    /// value when it has none. Setting null removes the override.</summary>
    public double? this[string hyperparameter]
    {
        get
        {
            if (_owner is null) return _pending.TryGetValue(hyperparameter, out var v) ? v : null;
            return _owner.GetGroupValue(_index, hyperparameter);
        }
        set
        {
            ArgumentNullException.ThrowIfNull(hyperparameter);
            if (_owner is null)
            {
                if (value is double d) _pending[hyperparameter] = d;
                else _pending.Remove(hyperparameter);
            }
            else _owner.SetGroupValue(_index, hyperparameter, value);
        }
    }

    /// <summary>The group's step size (the optimizer's [StepSize] hyperparameter; torch's <c>lr</c>). TorchSharp's
    /// learning-rate schedulers set it.</summary>
    public double LearningRate
    {
        get => this["lr"] ?? double.NaN;
        set => this["lr"] = value;
    }

    /// <summary>The step size the group started with (torch's <c>initial_lr</c>), the base value of TorchSharp's schedulers.</summary>
    public double InitialLearningRate { get; set; } = double.NaN;

    internal IReadOnlyDictionary<string, double> Pending => _pending;

    internal bool IsAttached => _owner is not null;

    internal void Attach(OdeOptimizer owner, int index)
    {
        if (_owner is not null && _owner != owner) throw new ArgumentException("The parameter group already belongs to another optimizer.");
        _owner = owner;
        _index = index;
        _pending.Clear();
    }
}
