// The checkpoint layout of the step driver, the same on every backend: SaveState writes the step position, the
// hyperparameters, the groups, the segments' uniforms and every state array the backend hands over (StateFormat);
// LoadState checks a stream completely (hyperparameters and groups against this optimizer included) before the backend
// and the driver change anything.
using System;
using System.IO;
using System.Runtime.InteropServices;

namespace OdeOpt.Runtime;

internal sealed partial class StepDriver<TUniforms>
{
    /// <summary>Whether a checkpoint written now holds state array <paramref name="i"/>'s values: between steps, an
    /// array that holds nothing then (<see cref="SchemeLayout.StepLocalArrays"/>) is written as zeros, so that a step
    /// and its undo leave the same checkpoint.</summary>
    public bool SavesArray(int i) => !(AtRest && (Layout.StepLocalArrays >> i & 1) != 0);

    /// <summary>Writes the state; <paramref name="array"/> gives state array i (null: never allocated, written as zeros).</summary>
    public void Save(Stream stream, int arrayCount, Func<int, float[]?> array)
    {
        var state = new StateFormat.Snapshot
        {
            Name = Info.Name,
            ParameterCount = ParameterCount,
            StepCount = StepCount,
            Phase = _phase,
            Started = _started,
            Initialized = _initialized,
            SkippedSteps = Controls.SkippedSteps,
            ControllerError = _errorPrevious,
            Time = _statistics.Time,
            Hyperparameters = new float[_hyperCount],
            Groups = new StateFormat.Group[Groups.Count],
            UniformSize = UniformSize,
            Segments = new StateFormat.SegmentState[_segmentCount],
            ArrayCount = arrayCount,
            Storage = StorageOfArrays(arrayCount),
        };
        _backend.GetHyperparameters(state.Hyperparameters);
        for (int i = 0; i < Groups.Count; i++)
            state.Groups[i] = new StateFormat.Group(Groups[i].Offset, Groups[i].Count, Groups[i].Name, System.Linq.Enumerable.ToArray(Groups[i].Overrides));
        for (int s = 0; s < _segmentCount; s++)
            state.Segments[s] = new StateFormat.SegmentState(_segments[s].Start, _segments[s].End,
                Bytes(in _segments[s].Prev), Bytes(in _segments[s].Cur), Bytes(in _segments[s].Next));
        StateFormat.Write(stream, state, i => SavesArray(i) ? array(i) : null);
    }

    /// <summary>Reads and checks a state completely, then hands its arrays to <paramref name="loadArrays"/> and takes its
    /// position, hyperparameters, groups and segments. Throws <see cref="InvalidDataException"/> with nothing changed.</summary>
    public void Load(Stream stream, int arrayCount, Action<float[][]> loadArrays)
    {
        var state = StateFormat.Read(stream, Info, ParameterCount, arrayCount, UniformSize, Layout.Cycle.Length, out var arrays);
        try
        {
            _backend.ValidateHyperparameters(state.Hyperparameters);
            foreach (var g in state.Groups)
            {
                if ((long)g.Offset + g.Count > ParameterCount) throw new InvalidDataException($"its parameter group '{g.Name}' lies outside the parameters");
                var values = (float[])state.Hyperparameters.Clone();
                foreach (var (name, value) in g.Overrides)
                {
                    int k = -1;
                    for (int h = 0; h < _hyperCount; h++) if (Info.Hyperparameters[h].Name == name) k = h;
                    if (k < 0) throw new InvalidDataException($"its parameter group '{g.Name}' overrides '{name}', which is no hyperparameter of '{Info.Name}'");
                    values[k] = value;
                }
                _backend.ValidateHyperparameters(values);
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException)
        {
            throw new InvalidDataException($"The stream cannot be loaded into this '{Info.Name}' optimizer: {e.Message} Nothing was changed.", e);
        }

        loadArrays(arrays);
        ResetStaged(statistics: false); // the first derivative is recomputed from the loaded parameters
        _errorPrevious = state.ControllerError;
        _statistics.Time = state.Time;
        _backend.SetHyperparameters(state.Hyperparameters);
        Groups.Clear();
        foreach (var g in state.Groups)
        {
            var group = Groups.Add(g.Offset, g.Count, g.Name);
            foreach (var (name, value) in g.Overrides) group[name] = value;
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
        Controls.SkippedSteps = state.SkippedSteps;
        _phase = state.Phase;
        _started = state.Started;
        _initialized = state.Initialized;
        _interrupted = null;
    }

    /// <summary>Each state array's storage as a checkpoint records it (StateStorage values).</summary>
    private byte[] StorageOfArrays(int arrayCount)
    {
        var storage = new byte[arrayCount];
        for (int i = 0; i < arrayCount && i < 31; i++)
            storage[i] = (byte)((Layout.HalfArrays >> i & 1) != 0 ? StateStorage.Half : (Layout.BFloat16Arrays >> i & 1) != 0 ? StateStorage.BFloat16 : StateStorage.Float32);
        return storage;
    }

    private static int UniformSize => System.Runtime.CompilerServices.Unsafe.SizeOf<TUniforms>();

    private static byte[] Bytes(in TUniforms value) => MemoryMarshal.AsBytes(new ReadOnlySpan<TUniforms>(in value)).ToArray();
}
