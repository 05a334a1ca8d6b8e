// The [Reduction] half of a GPU form: the reduction kernels loaded per accelerator, and the read-only reduction pass over
// a segment's whole piece whose per-block partial sums are copied to the host and combined in block order, as the CPU
// form combines them, so that both forms step with the same values.
using System;
using ILGPU;
using ILGPU.Runtime;
using OdeOpt.Runtime;

namespace OdeOpt.Gpu;

public abstract partial class GpuOptimizerCore<TUniforms, TViews>
{
    private static Action<AcceleratorStream, KernelConfig, TViews, TUniforms, GpuPassArguments, ArrayView<double>, int>?[] LoadReduceKernels(Accelerator accelerator,
        Action<TViews, TUniforms, GpuPassArguments, ArrayView<double>, int>?[] kernels, OptimizerInfo info)
    {
        lock (s_loadLock)
        {
            if (s_reduceKernels.TryGetValue(accelerator, out var cached)) return cached;
            var launchers = new Action<AcceleratorStream, KernelConfig, TViews, TUniforms, GpuPassArguments, ArrayView<double>, int>?[kernels.Length];
            try
            {
                for (int k = 0; k < kernels.Length; k++)
                    if (kernels[k] is { } kernel) launchers[k] = accelerator.LoadKernel(kernel);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new InvalidOperationException(
                    $"The GPU reduction kernels of '{info.Name}' cannot be compiled for {accelerator.AcceleratorType} '{accelerator.Name}': {e.Message} " +
                    "After a failed compile an ILGPU Context may fail to compile any other kernel; create a new Context.", e);
            }
            s_reduceKernels.AddOrUpdate(accelerator, launchers);
            return launchers;
        }
    }

    /// <summary>The number of reduction values pass <paramref name="pass"/> reads ([Reduction]); 0 when it has none.</summary>
    protected virtual int ReductionCount(int pass) => 0;

    /// <summary>Combines the reduction kernel's partial sums (<c>partials[(block * 4 + residue) * count + term]</c>) as the
    /// CPU form does (the four residues of a block, then the blocks in order) into <paramref name="uniforms"/>.</summary>
    protected virtual void ApplyReductions(int pass, ref TUniforms uniforms, ReadOnlySpan<double> partials, int blocks) => throw new NotSupportedException();

    /// <summary>Runs the reduction kernel of <paramref name="pass"/> over the piece (group) of the segment and waits for its
    /// partial sums; the segments of one piece in one Execute share them.</summary>
    private void Reduce(int pass, int terms, in StepDriver<TUniforms>.Segment segment, ref TUniforms current)
    {
        var (pieceStart, pieceEnd) = Driver.PieceExtent(segment.Start);
        long pieceLength = pieceEnd - pieceStart;
        if (segment.Start == pieceStart || _reductionSerial != Driver.ExecuteSerial || _reductionOrigin != pieceStart)
        {
            int blocks = (int)((pieceLength + PassScheduler.BlockSize - 1) / PassScheduler.BlockSize);
            int tasks = 4 * blocks;
            if (_reductionPartials is null || _reductionPartials.Length < (long)tasks * terms)
            {
                _reductionPartials?.Dispose();
                _reductionPartials = Accelerator.Allocate1D<double>((long)tasks * terms);
            }
            if (_reductionHost.Length < tasks * terms) _reductionHost = new double[tasks * terms];
            _segmentStart = pieceStart;
            _segmentLength = pieceLength;
            var views = CreateViews(Narrow(_parameters), Narrow(_gradient), Narrow(_output));
            var arguments = new GpuPassArguments
            {
                VectorCount = tasks,
                Length = (int)pieceLength,
                GradientScale = Driver.Controls.Scale,
                GradientLimit = Driver.Controls.Limit,
            };
            _reduceLaunchers[pass]!(_stream, Configuration(tasks), views, current, arguments, _reductionPartials.View, (int)(pieceStart & 3));
            _stream.Synchronize();
            _reductionPartials.View.SubView(0, (long)tasks * terms).CopyToCPU(_stream, _reductionHost.AsSpan(0, tasks * terms));
            _stream.Synchronize();
            _reductionSerial = Driver.ExecuteSerial;
            _reductionOrigin = pieceStart;
            _reductionBlocks = blocks;
        }
        ApplyReductions(pass, ref current, new ReadOnlySpan<double>(_reductionHost, 0, 4 * _reductionBlocks * terms), _reductionBlocks);
    }
}
