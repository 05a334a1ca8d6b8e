// The three entry points of TorchSharp's native glue that the step uses to check, without allocating managed objects,
// that every parameter and gradient still lives in the flat buffers (Tensor.grad allocates a wrapper per call).
using System;
using System.Reflection;
using System.Runtime.InteropServices;

namespace OdeOpt.TorchSharp;

internal static class LibTorchSharpNative
{
    private const string Library = "LibTorchSharp";

    static LibTorchSharpNative()
    {
        // Resolve the glue exactly as TorchSharp does (relative to its own assembly), so both use one loaded copy.
        NativeLibrary.SetDllImportResolver(typeof(LibTorchSharpNative).Assembly, static (name, _, path) =>
        {
            if (name != Library) return IntPtr.Zero;
            var torchSharp = typeof(global::TorchSharp.torch).Assembly;
            return NativeLibrary.TryLoad(Library, torchSharp, path, out var handle) ? handle : IntPtr.Zero;
        });
    }

    /// <summary>The first element's address of a tensor (its handle is a pointer to an at::Tensor).</summary>
    [DllImport(Library)]
    public static extern IntPtr THSTensor_data(IntPtr tensor);

    /// <summary>A new at::Tensor* holding the tensor's gradient, or null when it has none; free with THSTensor_dispose.</summary>
    [DllImport(Library)]
    public static extern IntPtr THSTensor_grad(IntPtr tensor);

    [DllImport(Library)]
    public static extern void THSTensor_dispose(IntPtr tensor);

    /// <summary>The address of a tensor's gradient data, or 0 when it has no gradient.</summary>
    public static IntPtr GradientData(IntPtr tensor)
    {
        IntPtr grad = THSTensor_grad(tensor);
        if (grad == IntPtr.Zero) return IntPtr.Zero;
        try { return THSTensor_data(grad); }
        finally { THSTensor_dispose(grad); }
    }
}
