using System;
using ILGPU;
using ILGPU.Runtime;

namespace OdeOpt.Gpu;

/// <summary>Computes the gradient of the loss at <paramref name="parameters"/> into <paramref name="gradient"/>, both on the
/// optimizer's accelerator. Queue the work on the optimizer's <see cref="IGpuOptimizer.Stream"/> (or synchronize before
/// returning) so that the step's kernels see the result.</summary>
/// <param name="parameters">The point where the gradient is wanted (ParameterCount floats).</param>
/// <param name="gradient">Receives the gradient (ParameterCount floats).</param>
public delegate void GpuGradientFunction(ArrayView<float> parameters, ArrayView<float> gradient);

/// <summary>
/// The GPU form of an optimizer: the same scheme, plan, per-step values and state format as its CPU form
/// (<see cref="IOptimizer"/>), stepping <see cref="ArrayView{T}"/> buffers on an ILGPU accelerator. The generator emits
/// one for every optimizer (<c>AdamGpu</c> for <c>Adam</c>) in projects that reference OdeOpt.Gpu.
/// </summary>
/// <remarks>
/// Steps are queued on <see cref="Stream"/> and return without waiting; synchronize the stream (or the accelerator)
/// before reading results on the host. Bad input throws before anything is queued or changed. Every buffer passed in
/// must hold <see cref="ParameterCount"/> floats and belong to <see cref="Accelerator"/>.
/// </remarks>
public interface IGpuOptimizer : IDisposable
{
    /// <summary>What the optimizer is: the CPU form's description.</summary>
    OptimizerInfo Info { get; }

    /// <summary>The accelerator the state arrays live on and the kernels run on.</summary>
    Accelerator Accelerator { get; }

    /// <summary>The stream the kernels are queued on (default: the accelerator's default stream).</summary>
    AcceleratorStream Stream { get; set; }

    /// <summary>The number of parameters every buffer must hold.</summary>
    int ParameterCount { get; }

    /// <summary>The number of steps begun since construction or <see cref="Reset"/>.</summary>
    long StepCount { get; }

    /// <summary>Clip every gradient component to [-max, max] (torch's clip_grad_value_), fused into the step.
    /// +infinity (the default) disables it.</summary>
    double GradientClipValue { get; set; }

    /// <summary>Scale the gradient by min(1, max / (||g|| + 1e-6)) (torch's clip_grad_norm_), the norm computed on the
    /// accelerator in double (a reduction kernel; the step waits for it). +infinity (the default) disables it.</summary>
    double GradientClipNorm { get; set; }

    /// <summary>What a gradient with NaN or an infinity does: <see cref="NonFiniteGradientPolicy.Propagate"/> (the default:
    /// no check), <see cref="NonFiniteGradientPolicy.Throw"/> (nothing written) or <see cref="NonFiniteGradientPolicy.SkipStep"/>
    /// (parameters, state and step count unchanged; <see cref="SkippedSteps"/> counts it). The check shares the norm's
    /// reduction.</summary>
    NonFiniteGradientPolicy NonFiniteGradients { get; set; }

    /// <summary>Whether a step of several gradient evaluations is a transaction (default true), as on the CPU
    /// (<see cref="ITrainingOptimizer.RollbackFailedSteps"/>): a failed step leaves everything as it was, at the cost of
    /// one device copy of the parameters and the state per such step. Off, a failed step is left part-way and later steps
    /// throw until Reset or LoadState.</summary>
    bool RollbackFailedSteps
    {
        get => false;
        set { if (value) throw new NotSupportedException($"{GetType().Name} does not roll back failed steps."); }
    }

    /// <summary>Steps skipped under <see cref="NonFiniteGradientPolicy.SkipStep"/>.</summary>
    long SkippedSteps { get; }

    /// <summary>The norm of the last gradient the optimizer measured (NaN when neither norm clipping nor a check is on).</summary>
    double LastGradientNorm { get; }

    /// <summary>Advances one step, evaluating the gradient as often as the scheme needs
    /// (<see cref="OptimizerInfo.GradientEvaluationsPerStep"/>) into a gradient buffer the optimizer owns.</summary>
    /// <exception cref="ArgumentException">The view has the wrong length, is empty or belongs to another accelerator.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is not finite or outside its range; nothing was changed.</exception>
    void Step(ArrayView<float> parameters, GpuGradientFunction gradient);

    /// <summary>Writes theta, the current iterate, into <paramref name="iterate"/> (which may be <paramref name="parameters"/>
    /// itself). Equal to the parameter buffer unless the gradient is taken at a look-ahead point.</summary>
    void GetIterate(ArrayView<float> parameters, ArrayView<float> iterate);

    /// <summary>Forgets all state: the next step is a first step again.</summary>
    void Reset();

    /// <summary>Writes the state in the format of the CPU form (a state saved here loads into the CPU form and back).
    /// Waits for <see cref="Stream"/> first.</summary>
    void SaveState(System.IO.Stream stream);

    /// <summary>Restores a state written by this or the CPU form.</summary>
    /// <exception cref="System.IO.InvalidDataException">The stream is not a state of this optimizer, format and parameter
    /// count, is truncated or corrupted, or its hyperparameters or groups are out of range; nothing was changed.</exception>
    void LoadState(System.IO.Stream stream);

    /// <summary>A hyperparameter's value by its property name.</summary>
    /// <exception cref="ArgumentException">No hyperparameter has that name.</exception>
    float GetHyperparameter(string name);

    /// <summary>Sets a hyperparameter by its property name (checked when the next step begins).</summary>
    /// <exception cref="ArgumentException">No hyperparameter has that name.</exception>
    void SetHyperparameter(string name, float value);

    /// <summary>Sets (or, with null, removes) the schedule of a hyperparameter, as on the CPU form.</summary>
    void SetSchedule(string hyperparameter, Schedule? schedule);

    /// <summary>The schedule of a hyperparameter, or null.</summary>
    Schedule? GetSchedule(string hyperparameter);

    /// <summary>Segments of the parameter view with their own hyperparameter values, as on the CPU form
    /// (<see cref="ITrainingOptimizer.Groups"/>): each group's passes are launched over its part of the views with its
    /// own per-step values. Checked when a step begins.</summary>
    ParameterGroupCollection Groups => throw new NotSupportedException($"{GetType().Name} has no parameter groups.");

    /// <summary>The value hyperparameter <paramref name="name"/> takes at step <paramref name="step"/> in
    /// <paramref name="group"/> (schedules applied), as on the CPU form.</summary>
    float GetEffectiveHyperparameter(string name, long step, ParameterGroup? group = null) =>
        throw new NotSupportedException($"{GetType().Name} does not report effective hyperparameters.");

    /// <summary>The declared conditions ([Condition]) that the hyperparameters, and each group's, violate, as on the CPU
    /// form (<see cref="IOptimizer.Validate"/>); empty when all hold.</summary>
    System.Collections.Generic.IReadOnlyList<HyperparameterWarning> Validate() =>
        throw new NotSupportedException($"{GetType().Name} does not check conditions.");
}

/// <summary>A GPU optimizer that needs exactly one gradient per step and can therefore be driven by a gradient the
/// caller computed.</summary>
public interface ISingleGradientGpuOptimizer : IGpuOptimizer
{
    /// <summary>Advances one step with the gradient evaluated at the current contents of <paramref name="parameters"/>.</summary>
    /// <exception cref="ArgumentException">A view has the wrong length, is empty, belongs to another accelerator, or the
    /// views overlap.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is not finite or outside its range; nothing was changed.</exception>
    void Step(ArrayView<float> parameters, ArrayView<float> gradient);
}

/// <summary>A GPU form that also steps bfloat16 parameter and gradient views ([ParameterStorage]), as its CPU form's
/// <see cref="IBFloat16ParameterOptimizer"/> does: the same float32 step on the widened values, theta rounded
/// stochastically with the same bits for the same <see cref="StochasticRoundingSeed"/>.</summary>
public interface IBFloat16ParameterGpuOptimizer : ISingleGradientGpuOptimizer
{
    /// <summary>Advances one step over bfloat16 views with the gradient at the current <paramref name="parameters"/>.</summary>
    /// <exception cref="ArgumentException">A view has the wrong length, is empty, belongs to another accelerator, or the
    /// views overlap.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is not finite or outside its range; nothing was changed.</exception>
    void Step(ArrayView<ushort> parameters, ArrayView<ushort> gradient);

    /// <summary>The seed of the stochastic rounding stream (default 0). Not part of a checkpoint.</summary>
    ulong StochasticRoundingSeed { get; set; }
}
