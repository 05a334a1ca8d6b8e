// The flat parameter and gradient buffers: every trainable parameter of the optimizer rebound as a view into one
// contiguous float32 tensor (bfloat16 when every parameter is bfloat16 and the optimizer steps bfloat16 buffers,
// [ParameterStorage]), and its gradient as a view into a second one (as FSDP's flat parameter or apex's master
// buffer do), so that a step is one fused pass of the generated kernels over two spans and data-parallel training needs
// one collective over one gradient buffer. Owns the binding checks made at every step.
using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;
using TorchParameter = TorchSharp.Modules.Parameter;

namespace OdeOpt.TorchSharp;

internal sealed unsafe class FlatBuffers : IDisposable
{
    internal readonly record struct Entry(TorchParameter Parameter, string Name, long Offset, long Count, long[] Shape);

    private readonly Entry[] _entries;
    private readonly Tensor _values;
    private readonly Tensor _gradients;
    private readonly byte* _valuesData;
    private readonly byte* _gradientsData;
    private readonly int _elementSize;

    /// <summary>Moves the storage of <paramref name="parameters"/> (in this order) into one flat tensor and binds their
    /// gradients to views of a second one (current gradient values kept, missing ones zero).</summary>
    /// <param name="parameters">The trainable parameters, in buffer order.</param>
    /// <param name="bfloat16">Whether the optimizer steps bfloat16 buffers ([ParameterStorage]): then parameters that
    /// are all bfloat16 get bfloat16 flat buffers.</param>
    /// <exception cref="ArgumentException">A parameter is not float32 (or, with <paramref name="bfloat16"/>, not all are
    /// bfloat16), not on the CPU, not contiguous, or given twice.</exception>
    public FlatBuffers(IReadOnlyList<(string Name, TorchParameter Parameter)> parameters, bool bfloat16)
    {
        var seen = new HashSet<IntPtr>();
        long total = 0;
        var type = bfloat16 && parameters.Count > 0 && parameters[0].Parameter.dtype == ScalarType.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32;
        foreach (var (name, p) in parameters)
        {
            if (p.dtype != type)
                throw new ArgumentException(type == ScalarType.BFloat16
                    ? $"The parameter '{name}' (shape {Shape(p.shape)}) is {p.dtype} where the first is BFloat16; one optimizer steps parameters of one type. Convert the module (module.to(torch.bfloat16)) or use two optimizers."
                    : p.dtype == ScalarType.BFloat16
                    ? $"The parameter '{name}' (shape {Shape(p.shape)}) is BFloat16; this optimizer steps float32 parameters only (those declared with [ParameterStorage(StateStorage.BFloat16)], such as adam-bf16, step bfloat16 ones). Convert the module (module.to(torch.float32)) or choose such an optimizer."
                    : $"The parameter '{name}' (shape {Shape(p.shape)}) is {p.dtype}; OdeOpt steps float32 parameters only (bfloat16 with an optimizer declared with [ParameterStorage]). Convert the module (module.to(torch.float32)) or leave the parameter out.", nameof(parameters));
            if (p.device_type != DeviceType.CPU)
                throw new ArgumentException($"The parameter '{name}' (shape {Shape(p.shape)}) is on {p.device}; OdeOpt.TorchSharp steps CPU tensors only (CUDA tensors: see docs/torchsharp.md). Nothing is copied behind your back.", nameof(parameters));
            if (!p.is_contiguous())
                throw new ArgumentException($"The parameter '{name}' (shape {Shape(p.shape)}) is not contiguous; it cannot become a view of the flat buffer without a copy. Make it contiguous before building the optimizer.", nameof(parameters));
            if (p.numel() > 0 && !seen.Add(LibTorchSharpNative.THSTensor_data(p.Handle)))
                throw new ArgumentException($"The parameter '{name}' is given twice (or shares its storage with another parameter); a parameter may belong to one group only.", nameof(parameters));
            total += p.numel();
        }
        if (total == 0) throw new ArgumentException("The optimizer has no trainable float32 parameter (every parameter is empty or has requires_grad = false).", nameof(parameters));
        if (total > int.MaxValue) throw new ArgumentException($"{total} parameters: OdeOpt optimizers hold at most {int.MaxValue}.", nameof(parameters));

        ElementType = type;
        _elementSize = type == ScalarType.BFloat16 ? 2 : 4;
        _values = torch.empty(total, type).DetachFromDisposeScope();
        _gradients = torch.zeros(total, type).DetachFromDisposeScope();
        _valuesData = (byte*)LibTorchSharpNative.THSTensor_data(_values.Handle);
        _gradientsData = (byte*)LibTorchSharpNative.THSTensor_data(_gradients.Handle);
        _entries = new Entry[parameters.Count];
        long offset = 0;
        using (torch.no_grad())
        {
            for (int i = 0; i < parameters.Count; i++)
            {
                var (name, p) = parameters[i];
                long n = p.numel();
                var shape = p.shape;
                using (var slot = _values.narrow(0, offset, n))
                using (var view = slot.view(shape))
                {
                    view.copy_(p);
                    p.set_(view);
                }
                BindGradient(p, offset, n, shape, keepValues: true);
                _entries[i] = new Entry(p, name, offset, n, shape);
                offset += n;
            }
        }
        Count = (int)total;
    }

    /// <summary>The number of parameters.</summary>
    public int Count { get; }

    /// <summary>Float32, or BFloat16 for bfloat16 buffers.</summary>
    public ScalarType ElementType { get; }

    /// <summary>The parameters with their place in the buffers, in buffer order.</summary>
    public IReadOnlyList<Entry> Entries => _entries;

    /// <summary>The flat parameter tensor (the parameters are views of it).</summary>
    public Tensor Values => _values;

    /// <summary>The flat gradient tensor (the gradients are views of it).</summary>
    public Tensor Gradients => _gradients;

    public Span<float> ValueSpan => _elementSize == 4 ? new(_valuesData, Count) : throw new InvalidOperationException("The flat buffers hold bfloat16 values.");

    public Span<float> GradientSpan => _elementSize == 4 ? new(_gradientsData, Count) : throw new InvalidOperationException("The flat buffers hold bfloat16 values.");

    /// <summary>The bfloat16 parameters (bfloat16 buffers only).</summary>
    public Span<ushort> ValueSpan16 => _elementSize == 2 ? new(_valuesData, Count) : throw new InvalidOperationException("The flat buffers hold float32 values.");

    /// <summary>The bfloat16 gradients (bfloat16 buffers only).</summary>
    public Span<ushort> GradientSpan16 => _elementSize == 2 ? new(_gradientsData, Count) : throw new InvalidOperationException("The flat buffers hold float32 values.");

    private byte* Slot(byte* data, long offset) => data + offset * _elementSize;

    /// <summary>Throws when a parameter's storage is no longer its slot of the flat buffer (replaced by set_, to() or a
    /// load that swapped tensors): stepping would update memory the model no longer reads.</summary>
    public void CheckParameters()
    {
        for (int i = 0; i < _entries.Length; i++)
        {
            ref readonly var e = ref _entries[i];
            if ((byte*)LibTorchSharpNative.THSTensor_data(e.Parameter.Handle) != Slot(_valuesData, e.Offset))
                throw new InvalidOperationException($"The storage of parameter '{e.Name}' was replaced since the optimizer was built (set_, to(), or a load that swaps tensors): it is no longer the optimizer's flat buffer, so a step would not reach the model. Nothing was changed. Copy new values in place (parameter.copy_(...) under no_grad) or build a new optimizer.");
        }
    }

    /// <summary>Makes sure every gradient lies in the flat gradient buffer before a pass reads it: a gradient that
    /// autograd created anew (after Module.zero_grad(), which sets gradients to null) is copied into its slot and the
    /// parameter's gradient rebound to the slot; a missing gradient throws (nothing was changed).</summary>
    /// <exception cref="InvalidOperationException">A trainable parameter has no gradient.</exception>
    public void CheckGradients(string optimizer, long step)
    {
        int rebind = -1;
        for (int i = 0; i < _entries.Length; i++)
        {
            ref readonly var e = ref _entries[i];
            var data = (byte*)LibTorchSharpNative.GradientData(e.Parameter.Handle);
            if (data == null)
                throw new InvalidOperationException($"The parameter '{e.Name}' has no gradient at step {step} of '{optimizer}' (backward did not reach it, or its gradient was set to null after backward). torch.optim would skip it; OdeOpt steps all its parameters together and stops instead. Nothing was changed. Build the optimizer without it (requires_grad = false, or leave it out), or make the loss depend on it.");
            if (data != Slot(_gradientsData, e.Offset) && rebind < 0) rebind = i;
        }
        if (rebind < 0) return;
        using (torch.no_grad())
        {
            for (int i = rebind; i < _entries.Length; i++)
            {
                ref readonly var e = ref _entries[i];
                if ((byte*)LibTorchSharpNative.GradientData(e.Parameter.Handle) != Slot(_gradientsData, e.Offset))
                    BindGradient(e.Parameter, e.Offset, e.Count, e.Shape, keepValues: true);
            }
        }
    }

    /// <summary>Zeroes the flat gradient in place and binds any gradient that was unbound (set to null) back to its slot.</summary>
    public void ZeroGradients()
    {
        new Span<byte>(_gradientsData, Count * _elementSize).Clear();
        for (int i = 0; i < _entries.Length; i++)
        {
            ref readonly var e = ref _entries[i];
            if ((byte*)LibTorchSharpNative.GradientData(e.Parameter.Handle) != Slot(_gradientsData, e.Offset))
                using (torch.no_grad()) BindGradient(e.Parameter, e.Offset, e.Count, e.Shape, keepValues: false);
        }
    }

    private void BindGradient(TorchParameter p, long offset, long n, long[] shape, bool keepValues)
    {
        using var slot = _gradients.narrow(0, offset, n);
        using var view = slot.view(shape);
        if (keepValues)
        {
            using var old = p.grad;
            if (old is null) view.zero_();
            else view.copy_(old);
        }
        p.grad = view;
    }

    internal static string Shape(long[] shape) => "[" + string.Join(", ", shape) + "]";

    public void Dispose()
    {
        _values.Dispose();
        _gradients.Dispose();
    }
}
