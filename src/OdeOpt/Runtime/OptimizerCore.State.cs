// Checkpoints of an optimizer core: SaveState writes the step position, hyperparameters, groups, segment uniforms and
// every state array (StateFormat); LoadState checks a stream completely before it changes anything.
using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;

namespace OdeOpt.Runtime;

public abstract unsafe partial class OptimizerCore<TUniforms>
{
    // ------------------------------------------------------------------ state

    /// <inheritdoc/>
    public void SaveState(Stream stream)
    {
        using var exclusive = Exclusive.Enter(ref _busy, _info.Name, "SaveState");
        ArgumentNullException.ThrowIfNull(stream);
        var state = new StateFormat.Snapshot
        {
            Name = _info.Name,
            ParameterCount = ParameterCount,
            StepCount = StepCount,
            Phase = _phase,
            Started = _started,
            Initialized = _initialized,
            SkippedSteps = SkippedSteps,
            Hyperparameters = new float[_hyperCount],
            Groups = new StateFormat.Group[Groups.Count],
            UniformSize = sizeof(TUniforms),
            Segments = new StateFormat.SegmentState[_segmentCount],
            ArrayCount = _arrays.Length,
        };
        GetHyperparameters(state.Hyperparameters);
        for (int i = 0; i < Groups.Count; i++)
            state.Groups[i] = new StateFormat.Group(Groups[i].Offset, Groups[i].Count, Groups[i].Name, System.Linq.Enumerable.ToArray(Groups[i].Overrides));
        for (int s = 0; s < _segmentCount; s++)
            state.Segments[s] = new StateFormat.SegmentState(_segments[s].Start, _segments[s].End,
                MemoryMarshal.AsBytes(new ReadOnlySpan<TUniforms>(in _segments[s].Prev)).ToArray(),
                MemoryMarshal.AsBytes(new ReadOnlySpan<TUniforms>(in _segments[s].Cur)).ToArray(),
                MemoryMarshal.AsBytes(new ReadOnlySpan<TUniforms>(in _segments[s].Next)).ToArray());
        StateFormat.Write(stream, state, i => _arrays[i]);
    }

    /// <inheritdoc/>
    public void LoadState(Stream stream)
    {
        using var exclusive = Exclusive.Enter(ref _busy, _info.Name, "LoadState");
        ArgumentNullException.ThrowIfNull(stream);
        var state = StateFormat.Read(stream, _info, ParameterCount, _arrays.Length, sizeof(TUniforms), _layout.Cycle.Length, out var arrays);

        // Everything read and checked; check the hyperparameters and groups against this optimizer, then apply.
        var old = new float[_hyperCount];
        GetHyperparameters(old);
        try
        {
            ValidateHyperparameters(state.Hyperparameters);
            foreach (var g in state.Groups)
            {
                if ((long)g.Offset + g.Count > ParameterCount) throw new InvalidDataException($"its parameter group '{g.Name}' lies outside the parameters");
                var values = (float[])state.Hyperparameters.Clone();
                foreach (var (name, value) in g.Overrides)
                {
                    int k = -1;
                    for (int h = 0; h < _hyperCount; h++) if (_info.Hyperparameters[h].Name == name) k = h;
                    if (k < 0) throw new InvalidDataException($"its parameter group '{g.Name}' overrides '{name}', which is no hyperparameter of '{_info.Name}'");
                    values[k] = value;
                }
                ValidateHyperparameters(values);
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException)
        {
            throw new InvalidDataException($"The stream cannot be loaded into this '{_info.Name}' optimizer: {e.Message} Nothing was changed.", e);
        }

        SetHyperparameters(state.Hyperparameters);
        Groups.Clear();
        foreach (var g in state.Groups)
        {
            var group = Groups.Add(g.Offset, g.Count, g.Name);
            foreach (var (name, value) in g.Overrides) group[name] = value;
        }
        for (int i = 0; i < _arrays.Length; i++)
        {
            // An optional array stays unallocated while the stream holds only its initial zeros.
            if (_arrays[i] is null && !MemoryMarshal.Cast<float, int>(arrays[i].AsSpan()).ContainsAnyExcept(0)) continue;
            if (_arrays[i] is null) AllocateArray(i);
            arrays[i].CopyTo(_arrays[i]!, 0);
        }
        _segments = new Segment[state.Segments.Length];
        _segmentScratch = new Segment[state.Segments.Length + 2];
        for (int s = 0; s < state.Segments.Length; s++)
        {
            var saved = state.Segments[s];
            _segments[s] = new Segment { Start = saved.Start, End = saved.End, Piece = -1 };
            saved.Prev.CopyTo(MemoryMarshal.AsBytes(new Span<TUniforms>(ref _segments[s].Prev)));
            saved.Cur.CopyTo(MemoryMarshal.AsBytes(new Span<TUniforms>(ref _segments[s].Cur)));
            saved.Next.CopyTo(MemoryMarshal.AsBytes(new Span<TUniforms>(ref _segments[s].Next)));
        }
        _segmentCount = state.Segments.Length;
        _piecesVersion = -1;
        StepCount = state.StepCount;
        _controls.SkippedSteps = state.SkippedSteps;
        _phase = state.Phase;
        _started = state.Started;
        _initialized = state.Initialized;
        _interrupted = null;
    }
}
