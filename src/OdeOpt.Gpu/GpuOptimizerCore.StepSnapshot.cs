// The step transaction of a GPU form (as OptimizerCore.StepSnapshot on the CPU): device copies of the parameters and
// of every allocated state array, and the host-side pass position and counters, taken when a step of several passes
// begins and put back when a later evaluation fails; with RollbackFailedSteps off, the step without the copy.
using System;
using ILGPU;
using ILGPU.Runtime;

namespace OdeOpt.Gpu;

public abstract partial class GpuOptimizerCore<TUniforms, TViews>
{
    // The step transaction: device copies of the parameters and the allocated state arrays, and the host-side position.
    private MemoryBuffer1D<float, Stride1D.Dense>? _snapshotParameters;
    private MemoryBuffer1D<float, Stride1D.Dense>?[]? _snapshotArrays;
    private (TUniforms Previous, TUniforms Current, TUniforms Next, int Phase, bool Started, bool Initialized, long Steps, long Skipped, int Missing) _snapshot;

    private void TakeSnapshot(ArrayView<float> parameters)
    {
        _snapshotParameters ??= Accelerator.Allocate1D<float>(ParameterCount);
        parameters.CopyTo(_stream, (ArrayView<float>)_snapshotParameters.View);
        _snapshotArrays ??= new MemoryBuffer1D<float, Stride1D.Dense>?[_arrays.Length];
        for (int i = 0; i < _arrays.Length; i++)
        {
            if (_arrays[i] is not { } array) continue;
            var copy = _snapshotArrays[i] ??= Accelerator.Allocate1D<float>(ParameterCount);
            ((ArrayView<float>)array.View).CopyTo(_stream, (ArrayView<float>)copy.View);
        }
        _snapshot = (_previous, _current, _next, _phase, _started, _initialized, StepCount, _controls.SkippedSteps, _missingArrays);
    }

    private void RestoreSnapshot(ArrayView<float> parameters)
    {
        var s = _snapshot;
        ((ArrayView<float>)_snapshotParameters!.View).CopyTo(_stream, parameters);
        for (int i = 0; i < _arrays.Length; i++)
        {
            if (_arrays[i] is not { } array) continue;
            if ((s.Missing >> i & 1) != 0) array.MemSetToZero(_stream); // allocated during the step: zero, as it was
            else ((ArrayView<float>)_snapshotArrays![i]!.View).CopyTo(_stream, (ArrayView<float>)array.View);
        }
        _stream.Synchronize();
        (_previous, _current, _next, _phase, _started, _initialized, StepCount) = (s.Previous, s.Current, s.Next, s.Phase, s.Started, s.Initialized, s.Steps);
        _controls.SkippedSteps = Math.Min(_controls.SkippedSteps, s.Skipped + 1); // a skip counts once, for the whole step
    }

    /// <inheritdoc/>
    public bool RollbackFailedSteps { get; set; } = true;

    /// <summary>With rollback off (as OptimizerCore.RunStepWithoutRollback): the rest of a step after its first
    /// evaluation; a later failure leaves the step part-way and later steps refuse until Reset or LoadState.</summary>
    private void StepWithoutRollback(ArrayView<float> parameters, ArrayView<float> gradient, GpuGradientFunction evaluate)
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
            _interrupted = $"Step {step} of '{_info.Name}' failed at gradient evaluation {evaluation} ({e.GetType().Name}: {e.Message}) with RollbackFailedSteps off: the parameter view holds that evaluation's point and the state is part-way through the step. Reset() or LoadState() a checkpoint before stepping again.";
            throw;
        }
    }
}
