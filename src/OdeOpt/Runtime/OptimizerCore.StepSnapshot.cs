// The transaction of a step of several passes: what such a step changes, copied when it begins, put back when an
// evaluation after the first fails (see OptimizerCore.RunStep).
using System;
using System.Collections.Generic;

namespace OdeOpt.Runtime;

public abstract unsafe partial class OptimizerCore<TUniforms>
{
    /// <summary>What a step of several passes changes, copied when it begins: the parameter buffer, every allocated state
    /// array, the segments with their uniforms, the pass position and the counters. Its buffers are allocated once.</summary>
    private sealed class StepSnapshot
    {
        private float[] _parameters = Array.Empty<float>();
        private readonly List<float[]?> _arrays = new();
        private Segment[] _segments = Array.Empty<Segment>();
        private int _segmentCount, _missingArrays, _phase;
        private long _stepCount, _skipped;
        private bool _started, _initialized;

        public void Take(OptimizerCore<TUniforms> core, ReadOnlySpan<float> parameters)
        {
            if (_parameters.Length != parameters.Length) _parameters = GC.AllocateUninitializedArray<float>(parameters.Length);
            parameters.CopyTo(_parameters);
            while (_arrays.Count < core._arrays.Length) _arrays.Add(null);
            for (int i = 0; i < core._arrays.Length; i++)
            {
                if (core._arrays[i] is not { } array) continue;
                var copy = _arrays[i] ??= GC.AllocateUninitializedArray<float>(array.Length);
                array.CopyTo(copy, 0);
            }
            if (_segments.Length < core._segmentCount) _segments = new Segment[core._segments.Length];
            Array.Copy(core._segments, _segments, core._segmentCount);
            _segmentCount = core._segmentCount;
            _missingArrays = core._missingArrays;
            _phase = core._phase;
            _stepCount = core.StepCount;
            _skipped = core._controls.SkippedSteps;
            _started = core._started;
            _initialized = core._initialized;
        }

        public void Restore(OptimizerCore<TUniforms> core, Span<float> parameters)
        {
            _parameters.CopyTo(parameters);
            for (int i = 0; i < core._arrays.Length; i++)
            {
                if (core._arrays[i] is not { } array) continue;
                if ((_missingArrays >> i & 1) != 0)
                {
                    // Allocated during the step: optional again, zero everywhere as before.
                    core._arrays[i] = null;
                    core._arrayPointers[i] = 0;
                    continue;
                }
                _arrays[i]!.CopyTo(array, 0);
            }
            if (core._segments.Length < _segmentCount) core._segments = new Segment[_segments.Length];
            Array.Copy(_segments, core._segments, _segmentCount);
            core._segmentCount = _segmentCount;
            core._missingArrays = _missingArrays;
            core._phase = _phase;
            core.StepCount = _stepCount;
            core._started = _started;
            core._initialized = _initialized;
            // A skip counts once, for the whole step.
            core._controls.SkippedSteps = Math.Min(core._controls.SkippedSteps, _skipped + 1);
        }
    }
}
