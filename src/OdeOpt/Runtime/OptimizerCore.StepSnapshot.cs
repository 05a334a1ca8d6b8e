// The memory half of the transaction of a step of several passes on the CPU (the driver keeps the position, the
// segments and the counters, StepDriver.TakeSnapshot): copies of the parameter buffer and of every allocated state
// array, taken when such a step begins and put back when an evaluation after the first fails.
using System;
using System.Collections.Generic;

namespace OdeOpt.Runtime;

public abstract unsafe partial class OptimizerCore<TUniforms>
{
    private float[] _savedParameters = Array.Empty<float>();
    private readonly List<float[]?> _savedArrays = new();
    private int _savedMissingArrays;

    void IStepBackend<TUniforms>.SaveStepMemory()
    {
        if (_savedParameters.Length != ParameterCount) _savedParameters = GC.AllocateUninitializedArray<float>(ParameterCount);
        new ReadOnlySpan<float>(_parameters, ParameterCount).CopyTo(_savedParameters);
        while (_savedArrays.Count < _arrays.Length) _savedArrays.Add(null);
        for (int i = 0; i < _arrays.Length; i++)
        {
            if (_arrays[i] is not { } array) continue;
            var copy = _savedArrays[i] ??= GC.AllocateUninitializedArray<float>(array.Length);
            array.CopyTo(copy, 0);
        }
        _savedMissingArrays = _missingArrays;
    }

    void IStepBackend<TUniforms>.RestoreStepMemory()
    {
        _savedParameters.CopyTo(new Span<float>(_parameters, ParameterCount));
        for (int i = 0; i < _arrays.Length; i++)
        {
            if (_arrays[i] is not { } array) continue;
            if ((_savedMissingArrays >> i & 1) != 0)
            {
                // Allocated during the step: optional again, zero everywhere as before.
                _arrays[i] = null;
                _arrayPointers[i] = 0;
                continue;
            }
            _savedArrays[i]!.CopyTo(array, 0);
        }
        _missingArrays = _savedMissingArrays;
    }
}
