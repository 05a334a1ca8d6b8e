// The GPU form's step over bfloat16 parameter and gradient buffers ([ParameterStorage]): the caller's ushort views are
// bound beside the (empty) float ones and the pass's bfloat16 kernel runs instead of the float32 one, reading both
// widened and rounding theta stochastically by absolute element index under the step's key, with the CPU form's bits
// (GpuMath.StochasticBFloat16 = CounterRandom.StochasticBFloat16 of CounterRandom.ElementBits).
using System;
using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;
using OdeOpt.Runtime;

namespace OdeOpt.Gpu;

public abstract partial class GpuOptimizerCore<TUniforms, TViews>
{
    private static readonly ConditionalWeakTable<Accelerator, Action<AcceleratorStream, KernelConfig, TViews, TUniforms, TUniforms, TUniforms, GpuPassArguments>?[]> s_kernels16 = new();
    private readonly Action<AcceleratorStream, KernelConfig, TViews, TUniforms, TUniforms, TUniforms, GpuPassArguments>?[] _launchers16;
    private bool _buffers16;
    private ArrayView<ushort> _parameters16, _gradient16;
    private uint _roundingKey0, _roundingKey1;

    private static Action<AcceleratorStream, KernelConfig, TViews, TUniforms, TUniforms, TUniforms, GpuPassArguments>?[] LoadKernels16(
        Accelerator accelerator, Action<TViews, TUniforms, TUniforms, TUniforms, GpuPassArguments>?[] kernels, OptimizerInfo info) =>
        LoadKernels(s_kernels16, accelerator, kernels, info);

    /// <summary>The seed of the stochastic rounding of bfloat16 parameters (default 0), as on the CPU form: the same seed
    /// gives both forms the same bits. Not part of a checkpoint.</summary>
    public ulong StochasticRoundingSeed { get; set; }

    /// <summary>The caller's bfloat16 parameter view over the segment being launched (empty outside a bfloat16 step).</summary>
    protected ArrayView<ushort> ParameterView16() => _parameters16.IsValid ? _parameters16.SubView(_segmentStart, _segmentLength) : default;

    /// <summary>The caller's bfloat16 gradient view over the segment being launched (empty outside a bfloat16 step).</summary>
    protected ArrayView<ushort> GradientView16() => _gradient16.IsValid ? _gradient16.SubView(_segmentStart, _segmentLength) : default;

    /// <summary>One step over bfloat16 views with a gradient the caller computed at the current parameters (the generated
    /// class offers it only for a declaration with [ParameterStorage]).</summary>
    protected void StepWithBFloat16Gradient(ArrayView<ushort> parameters, ArrayView<ushort> gradient)
    {
        using var exclusive = Exclusive.Enter(ref Driver.Busy, Name, "Step");
        CheckStepViews(parameters, gradient);
        if (_launchers16.Length == 0) throw new NotSupportedException($"'{Name}' has no bfloat16 parameter step ([ParameterStorage]).");
        (_roundingKey0, _roundingKey1) = CounterRandom.StepKey(StochasticRoundingSeed, Driver.StepCount + 1);
        _parameters16 = parameters;
        _gradient16 = gradient;
        _buffers16 = true;
        try { Driver.RunNextPass(); }
        finally
        {
            _buffers16 = false;
            _parameters16 = default;
            _gradient16 = default;
        }
    }
}
