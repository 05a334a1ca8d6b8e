// The GPU form's checkpoints, in the step driver's layout (StateFormat): the device arrays copied to the host (a 16-bit
// array widened exactly, as the CPU form writes it) and back (rounded back, exactly), so that a state saved by either
// form loads into the other.
using System;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using OdeOpt.Runtime;

namespace OdeOpt.Gpu;

public abstract partial class GpuOptimizerCore<TUniforms, TViews>
{
    // ------------------------------------------------------------------ checkpoints (the driver's layout)

    /// <inheritdoc/>
    public void SaveState(System.IO.Stream stream)
    {
        using var exclusive = Exclusive.Enter(ref Driver.Busy, Name, "SaveState");
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(stream);
        _stream.Synchronize();
        var host = new float[]?[_arrays.Length];
        for (int i = 0; i < host.Length; i++)
        {
            if (_arrays[i] is not { } array || !Driver.SavesArray(i)) continue; // written as zeros
            host[i] = new float[ParameterCount];
            if (!IsSixteenBit(i)) array.View.CopyToCPU(host[i]);
            else
            {
                // Widened exactly, as the CPU form writes it.
                var stored = new ushort[ParameterCount];
                ((ArrayView<float>)array.View).Cast<ushort>().SubView(0, ParameterCount).CopyToCPU(stored);
                Driver.Layout.Widen(i, stored, host[i]);
            }
        }
        Driver.Save(stream, _arrays.Length, i => host[i]);
    }

    /// <inheritdoc/>
    public void LoadState(System.IO.Stream stream)
    {
        using var exclusive = Exclusive.Enter(ref Driver.Busy, Name, "LoadState");
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(stream);
        Driver.Load(stream, _arrays.Length, arrays =>
        {
            _stream.Synchronize();
            for (int i = 0; i < _arrays.Length; i++)
            {
                // An optional array stays unallocated while the stream holds only its initial zeros.
                if (_arrays[i] is null && !MemoryMarshal.Cast<float, int>(arrays[i].AsSpan()).ContainsAnyExcept(0)) continue;
                if (_arrays[i] is null) AllocateArray(i, _stream);
                if (!IsSixteenBit(i)) _arrays[i]!.View.CopyFromCPU(_stream, arrays[i]);
                else
                {
                    // The checkpoint holds widened values: rounding them back is exact.
                    var stored = new ushort[ParameterCount];
                    Driver.Layout.Narrow(i, arrays[i], stored);
                    ((ArrayView<float>)_arrays[i]!.View).Cast<ushort>().SubView(0, ParameterCount).CopyFromCPU(_stream, stored);
                }
            }
            _stream.Synchronize();
        });
    }
}
