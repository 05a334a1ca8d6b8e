// What every form of an optimizer (CPU and GPU) exposes of its step driver: the step count, parameter groups,
// gradient controls, the rollback switch and the hyperparameter set by name, each forwarded to the StepDriver.
using System;
using System.Collections.Generic;
using System.ComponentModel;

namespace OdeOpt.Runtime;

/// <summary>The members the CPU form (<see cref="OptimizerCore{TUniforms}"/>) and the GPU form (OdeOpt.Gpu's
/// GpuOptimizerCore) share, answered by the backend-neutral step driver. Not for direct use.</summary>
/// <typeparam name="TUniforms">The generated struct of per-step hoisted values.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class DrivenOptimizer<TUniforms> where TUniforms : unmanaged
{
    /// <exception cref="ArgumentNullException"><paramref name="info"/> or <paramref name="layout"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parameterCount"/> is not positive.</exception>
    private protected DrivenOptimizer(int parameterCount, OptimizerInfo info, SchemeLayout layout)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parameterCount);
        ParameterCount = parameterCount;
        Driver = new StepDriver<TUniforms>((IStepBackend<TUniforms>)this, parameterCount, info, layout);
    }

    /// <summary>The driver: pass sequence, transaction, hyperparameter set, checkpoint layout.</summary>
    internal StepDriver<TUniforms> Driver { get; }

    /// <summary>The optimizer's registry name, for messages.</summary>
    private protected string Name => Driver.Info.Name;

    /// <inheritdoc cref="IOptimizer.ParameterCount"/>
    public int ParameterCount { get; }

    /// <inheritdoc cref="IOptimizer.StepCount"/>
    public long StepCount => Driver.StepCount;

    /// <inheritdoc cref="ITrainingOptimizer.Groups"/>
    public ParameterGroupCollection Groups => Driver.Groups;

    /// <inheritdoc cref="ITrainingOptimizer.GradientClipNorm"/>
    public double GradientClipNorm { get => Driver.Controls.ClipNorm; set => Driver.Controls.ClipNorm = value; }

    /// <inheritdoc cref="ITrainingOptimizer.GradientClipValue"/>
    public double GradientClipValue { get => Driver.Controls.ClipValue; set => Driver.Controls.ClipValue = value; }

    /// <inheritdoc cref="ITrainingOptimizer.NonFiniteGradients"/>
    public NonFiniteGradientPolicy NonFiniteGradients { get => Driver.Controls.Policy; set => Driver.Controls.Policy = value; }

    /// <inheritdoc cref="ITrainingOptimizer.SkippedSteps"/>
    public long SkippedSteps => Driver.Controls.SkippedSteps;

    /// <inheritdoc cref="ITrainingOptimizer.LastGradientNorm"/>
    public double LastGradientNorm => Driver.Controls.LastNorm;

    /// <inheritdoc cref="ITrainingOptimizer.RollbackFailedSteps"/>
    public bool RollbackFailedSteps { get => Driver.RollbackFailedSteps; set => Driver.RollbackFailedSteps = value; }

    /// <inheritdoc cref="IOptimizer.Validate"/>
    public IReadOnlyList<HyperparameterWarning> Validate() => Driver.Validate();

    /// <inheritdoc cref="ITrainingOptimizer.GetHyperparameter"/>
    public float GetHyperparameter(string name) => Driver.GetHyperparameter(name);

    /// <inheritdoc cref="ITrainingOptimizer.SetHyperparameter"/>
    public void SetHyperparameter(string name, float value) => Driver.SetHyperparameter(name, value);

    /// <inheritdoc cref="ITrainingOptimizer.SetSchedule"/>
    public void SetSchedule(string hyperparameter, Schedule? schedule) => Driver.SetSchedule(hyperparameter, schedule);

    /// <inheritdoc cref="ITrainingOptimizer.GetSchedule"/>
    public Schedule? GetSchedule(string hyperparameter) => Driver.GetSchedule(hyperparameter);

    /// <inheritdoc cref="ITrainingOptimizer.GetEffectiveHyperparameter"/>
    public float GetEffectiveHyperparameter(string name, long step, ParameterGroup? group = null) => Driver.GetEffectiveHyperparameter(name, step, group);
}
