// The memory half of the transaction of a step of several passes on the CPU (the driver keeps the position, the
// segments and the counters, StepDriver.TakeSnapshot). In a steady step the generated undo pass fills the rollback
// arrays as it streams (SchemeLayout.RollbackPass) and a failure copies them back; the very first step, and layouts
// without an undo pass, copy the parameter buffer and every allocated state array before the step instead.
using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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
            if (_arrays[i] is { } array && (_savedMissingArrays >> i & 1) == 0) _savedArrays[i]!.CopyTo(array, 0);
        ForgetArraysAllocatedSince();
    }

    private float[]?[]? _rollbackArrays;

    void IStepBackend<TUniforms>.PrepareRollbackCopy()
    {
        var targets = Driver.Layout.RollbackTargets;
        _rollbackArrays ??= new float[]?[targets.Length];
        for (int i = 0; i < targets.Length; i++)
        {
            if (_rollbackArrays[i] is not null) continue;
            var array = _rollbackArrays[i] = GC.AllocateUninitializedArray<float>(ParameterCount, pinned: true);
            _arrayPointers[_arrays.Length + i] = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        }
        _savedMissingArrays = _missingArrays;
    }

    void IStepBackend<TUniforms>.RestoreFromRollbackCopy()
    {
        var targets = Driver.Layout.RollbackTargets;
        for (int i = 0; i < targets.Length; i++)
        {
            int t = targets[i];
            if (t == -1) _rollbackArrays![i].AsSpan().CopyTo(new Span<float>(_parameters, ParameterCount));
            else if (_arrays[t] is { } array && (_savedMissingArrays >> t & 1) == 0) _rollbackArrays![i].AsSpan().CopyTo(array);
        }
        ForgetArraysAllocatedSince();
    }

    /// <summary>Optional arrays allocated during the step are optional again: zero everywhere, as before it.</summary>
    private void ForgetArraysAllocatedSince()
    {
        for (int i = 0; i < _arrays.Length; i++)
        {
            if (_arrays[i] is null || (_savedMissingArrays >> i & 1) == 0) continue;
            _arrays[i] = null;
            _arrayPointers[i] = 0;
        }
        _missingArrays = _savedMissingArrays;
    }
}
