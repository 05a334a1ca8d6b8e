// The memory half of the transaction of a step of several passes on a GPU form (the driver keeps the position, the
// segments and the counters, StepDriver.TakeSnapshot). In a steady step the generated undo kernel fills the rollback
// arrays as it streams and a failure copies them back; the very first step, and layouts without an undo pass, copy the
// parameter view and every allocated state array on the device before the step instead.
using ILGPU;
using ILGPU.Runtime;
using OdeOpt.Runtime;

namespace OdeOpt.Gpu;

public abstract partial class GpuOptimizerCore<TUniforms, TViews>
{
    private MemoryBuffer1D<float, Stride1D.Dense>? _savedParameters;
    private MemoryBuffer1D<float, Stride1D.Dense>?[]? _savedArrays;
    private int _savedMissingArrays;

    void IStepBackend<TUniforms>.SaveStepMemory()
    {
        _savedParameters ??= Accelerator.Allocate1D<float>(ParameterCount);
        _parameters.CopyTo(_stream, (ArrayView<float>)_savedParameters.View);
        _savedArrays ??= new MemoryBuffer1D<float, Stride1D.Dense>?[_arrays.Length];
        for (int i = 0; i < _arrays.Length; i++)
        {
            if (_arrays[i] is not { } array) continue;
            var copy = _savedArrays[i] ??= Accelerator.Allocate1D<float>(array.Length); // a 16-bit array is half as long
            ((ArrayView<float>)array.View).CopyTo(_stream, (ArrayView<float>)copy.View);
        }
        _savedMissingArrays = _missingArrays;
    }

    void IStepBackend<TUniforms>.RestoreStepMemory()
    {
        ((ArrayView<float>)_savedParameters!.View).CopyTo(_stream, _parameters);
        for (int i = 0; i < _arrays.Length; i++)
        {
            if (_arrays[i] is not { } array) continue;
            if ((_savedMissingArrays >> i & 1) != 0) array.MemSetToZero(_stream); // allocated during the step: zero, as it was
            else ((ArrayView<float>)_savedArrays![i]!.View).CopyTo(_stream, (ArrayView<float>)array.View);
        }
        _stream.Synchronize();
    }

    private MemoryBuffer1D<float, Stride1D.Dense>?[]? _rollbackArrays;

    void IStepBackend<TUniforms>.PrepareRollbackCopy()
    {
        var targets = Driver.Layout.RollbackTargets;
        _rollbackArrays ??= new MemoryBuffer1D<float, Stride1D.Dense>?[targets.Length];
        for (int i = 0; i < targets.Length; i++) _rollbackArrays[i] ??= Accelerator.Allocate1D<float>(ParameterCount);
        _savedMissingArrays = _missingArrays;
    }

    void IStepBackend<TUniforms>.RestoreFromRollbackCopy()
    {
        var targets = Driver.Layout.RollbackTargets;
        for (int i = 0; i < targets.Length; i++)
        {
            int t = targets[i];
            var copy = (ArrayView<float>)_rollbackArrays![i]!.View;
            if (t == -1) copy.CopyTo(_stream, _parameters);
            else if (_arrays[t] is { } array && (_savedMissingArrays >> t & 1) == 0) copy.CopyTo(_stream, (ArrayView<float>)array.View);
        }
        for (int i = 0; i < _arrays.Length; i++)
            if (_arrays[i] is { } array && (_savedMissingArrays >> i & 1) != 0) array.MemSetToZero(_stream); // allocated during the step: zero, as it was
        _stream.Synchronize();
    }
}
