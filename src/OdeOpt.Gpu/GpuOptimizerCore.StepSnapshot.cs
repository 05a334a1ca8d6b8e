// The memory half of the transaction of a step of several passes on a GPU form (the driver keeps the position, the
// segments and the counters, StepDriver.TakeSnapshot): device copies of the parameter view and of every allocated
// state array, taken when such a step begins and put back when an evaluation after the first fails.
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
            var copy = _savedArrays[i] ??= Accelerator.Allocate1D<float>(ParameterCount);
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
}
