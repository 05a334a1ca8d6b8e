// The hyperparameter set of the step driver: values by name, schedules, parameter groups turned into pieces of the
// buffer, and the per-step uniforms of each piece, computed and checked when a step begins and committed segment by
// segment (the common refinement of the old segments and the new pieces). The same on every backend.
using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;

namespace OdeOpt.Runtime;

internal sealed partial class StepDriver<TUniforms>
{
    private readonly int _hyperCount;
    private readonly Schedule?[] _schedules;

    // Segments of the buffer with their uniforms (one without groups).
    private Segment[] _segments = new Segment[1];
    private int _segmentCount;
    private Segment[] _segmentScratch = new Segment[2];

    // The group layout: pieces covering [0, N), each with the group it belongs to (-1: none), rebuilt when the groups change.
    private (long Start, long End, int Group)[] _pieces = new (long, long, int)[1];
    private int _pieceCount;
    private int _piecesVersion = -1;
    private int _valuesVersion;
    private TUniforms[] _newUniforms = new TUniforms[1];
    private float[] _pieceValues = new float[1];
    private int[][] _groupOverrideIndex = Array.Empty<int[]>();
    private float[][] _groupOverrideValue = Array.Empty<float[]>();

    /// <summary>Segments of the parameter buffer with their own hyperparameter values.</summary>
    public ParameterGroupCollection Groups { get; }

    // ------------------------------------------------------------------ hyperparameters by name

    private int HyperIndex(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        for (int i = 0; i < _hyperCount; i++)
            if (Info.Hyperparameters[i].Name == name) return i;
        throw new ArgumentException($"'{Info.Name}' has no hyperparameter '{name}'. It has: {string.Join(", ", System.Linq.Enumerable.Select(Info.Hyperparameters, h => h.Name))}.", nameof(name));
    }

    /// <summary>The declared conditions the hyperparameters (and each group's) violate.</summary>
    public IReadOnlyList<HyperparameterWarning> Validate()
    {
        if (Info.Conditions.Count == 0) return Array.Empty<HyperparameterWarning>();
        var warnings = new List<HyperparameterWarning>();
        var values = new float[_hyperCount];
        _backend.GetHyperparameters(values);
        _backend.CheckConditions(values, null, warnings);
        foreach (var group in Groups)
        {
            if (group.Overrides.Count == 0) continue;
            var groupValues = (float[])values.Clone();
            foreach (var (name, value) in group.Overrides)
            {
                for (int i = 0; i < _hyperCount; i++)
                    if (Info.Hyperparameters[i].Name == name) groupValues[i] = value;
            }
            _backend.CheckConditions(groupValues, group.Name, warnings);
        }
        return warnings;
    }

    /// <summary>A hyperparameter's value by its property name.</summary>
    public float GetHyperparameter(string name)
    {
        int k = HyperIndex(name);
        Span<float> values = stackalloc float[_hyperCount];
        _backend.GetHyperparameters(values);
        return values[k];
    }

    /// <summary>Sets a hyperparameter by its property name.</summary>
    public void SetHyperparameter(string name, float value)
    {
        int k = HyperIndex(name);
        Span<float> values = stackalloc float[_hyperCount];
        _backend.GetHyperparameters(values);
        values[k] = value;
        _backend.SetHyperparameters(values);
    }

    /// <summary>Sets or removes a schedule.</summary>
    public void SetSchedule(string hyperparameter, Schedule? schedule) => _schedules[HyperIndex(hyperparameter)] = schedule;

    /// <summary>A hyperparameter's schedule, or null.</summary>
    public Schedule? GetSchedule(string hyperparameter) => _schedules[HyperIndex(hyperparameter)];

    /// <summary>The value a hyperparameter takes at a step, in a group.</summary>
    public float GetEffectiveHyperparameter(string name, long step, ParameterGroup? group = null)
    {
        int k = HyperIndex(name);
        float value = group?[name] ?? GetHyperparameter(name);
        return _schedules[k] is { } s ? (float)s.Evaluate(step, value) : value;
    }


    // ------------------------------------------------------------------ step begin: groups, schedules, uniforms

    /// <summary>Checks groups and hyperparameters for the step about to begin and computes its uniforms into scratch
    /// space; commits nothing.</summary>
    private void PrepareStepBegin(bool validateOnly)
    {
        if (Groups.Version != _piecesVersion) BuildPieces();
        else if (Groups.ValuesVersion != _valuesVersion) RefreshOverrideValues();
        long t = StepCount + 1;
        Span<float> baseValues = stackalloc float[_hyperCount];
        Span<float> values = stackalloc float[_hyperCount];
        _backend.GetHyperparameters(baseValues);
        for (int k = 0; k < _pieceCount; k++)
        {
            int group = ValuesOfPiece(k, t, baseValues, values);
            try
            {
                _backend.ValidateHyperparameters(values);
            }
            catch (ArgumentOutOfRangeException e) when (group >= 0 || HasSchedules())
            {
                string where = (group >= 0 ? $" in parameter group '{Groups[group].Name}'" : "") + (HasSchedules() ? $" at step {t} (schedules applied)" : "");
                throw new ArgumentOutOfRangeException(e.ParamName, e.ActualValue, e.Message.Split(" (Parameter")[0] + where);
            }
            if (validateOnly) continue;
            // With step scalars the uniforms depend on the previous step's of the same parameters: computed at commit.
            if (_backend.HasStepScalars) values.CopyTo(_pieceValues.AsSpan(k * _hyperCount, _hyperCount));
            else _newUniforms[k] = _backend.ComputeUniforms(t, values, default);
        }
    }

    /// <summary>The hyperparameter values of piece <paramref name="piece"/> at step <paramref name="t"/>: the
    /// optimizer's values, the piece's group overrides, then the schedules. Returns the piece's group (-1: none).</summary>
    private int ValuesOfPiece(int piece, long t, ReadOnlySpan<float> baseValues, Span<float> values)
    {
        baseValues.CopyTo(values);
        int group = _pieces[piece].Group;
        if (group >= 0)
        {
            var index = _groupOverrideIndex[group];
            var value = _groupOverrideValue[group];
            for (int o = 0; o < index.Length; o++) values[index[o]] = value[o];
        }
        for (int h = 0; h < _hyperCount; h++)
            if (_schedules[h] is { } schedule) values[h] = (float)schedule.Evaluate(t, values[h]);
        return group;
    }

    /// <summary>Before the last pass of a step writes the next step's first gradient point, the uniforms of the next
    /// step as known now (when they cannot be computed, for example a schedule leaves a range, the current ones are used
    /// and the next step's check reports the problem).</summary>
    private void PreviewNextStep(long t)
    {
        Span<float> baseValues = stackalloc float[_hyperCount];
        Span<float> values = stackalloc float[_hyperCount];
        _backend.GetHyperparameters(baseValues);
        for (int s = 0; s < _segmentCount; s++)
        {
            ref var segment = ref _segments[s];
            segment.Next = segment.Cur;
            int piece = segment.Piece;
            if (piece < 0 || piece >= _pieceCount) continue;
            ValuesOfPiece(piece, t, baseValues, values);
            try
            {
                _backend.ValidateHyperparameters(values);
                segment.Next = _backend.ComputeUniforms(t, values, in segment.Cur);
            }
            catch (ArgumentOutOfRangeException)
            {
                // keep Cur
            }
        }
    }

    private bool HasSchedules()
    {
        foreach (var s in _schedules) if (s is not null) return true;
        return false;
    }

    /// <summary>New values of existing overrides (the layout unchanged): copied in place, nothing allocated.</summary>
    private void RefreshOverrideValues()
    {
        for (int gi = 0; gi < Groups.Count; gi++)
        {
            var value = _groupOverrideValue[gi];
            int o = 0;
            foreach (var kv in Groups[gi].OverrideTable) value[o++] = kv.Value;
        }
        _valuesVersion = Groups.ValuesVersion;
    }

    /// <summary>Turns the groups into pieces covering [0, N); checked before anything is written.</summary>
    private void BuildPieces()
    {
        int n = Groups.Count;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Array.Sort(order, (a, b) => Groups[a].Offset.CompareTo(Groups[b].Offset));
        var indices = new int[n][];
        var values = new float[n][];
        for (int i = 0; i < n; i++)
        {
            var g = Groups[order[i]];
            if ((long)g.Offset + g.Count > ParameterCount)
                throw new ArgumentException($"The parameter group '{g.Name}' [{g.Offset}, {(long)g.Offset + g.Count}) extends past the {ParameterCount} parameters.", nameof(Groups));
            if (i > 0)
            {
                var prev = Groups[order[i - 1]];
                if (g.Offset < prev.Offset + prev.Count)
                    throw new ArgumentException($"The parameter groups '{prev.Name}' and '{g.Name}' overlap.", nameof(Groups));
            }
        }
        for (int gi = 0; gi < n; gi++)
        {
            var g = Groups[gi];
            indices[gi] = new int[g.Overrides.Count];
            values[gi] = new float[g.Overrides.Count];
            int o = 0;
            foreach (var kv in g.Overrides)
            {
                int k = -1;
                for (int h = 0; h < _hyperCount; h++) if (Info.Hyperparameters[h].Name == kv.Key) k = h;
                if (k < 0)
                    throw new ArgumentException($"The parameter group '{g.Name}' overrides '{kv.Key}', which is no hyperparameter of '{Info.Name}'.", nameof(Groups));
                indices[gi][o] = k;
                values[gi][o] = kv.Value;
                o++;
            }
        }
        var pieces = new (long, long, int)[2 * n + 1];
        int count = 0;
        long at = 0;
        foreach (int gi in order)
        {
            var g = Groups[gi];
            if (g.Offset > at) pieces[count++] = (at, g.Offset, -1);
            pieces[count++] = (g.Offset, (long)g.Offset + g.Count, gi);
            at = (long)g.Offset + g.Count;
        }
        if (at < ParameterCount) pieces[count++] = (at, ParameterCount, -1);
        _pieces = pieces;
        _pieceCount = count;
        _newUniforms = new TUniforms[count];
        _pieceValues = new float[Math.Max(1, count * _hyperCount)];
        _groupOverrideIndex = indices;
        _groupOverrideValue = values;
        if (_segmentScratch.Length < _segmentCount + count + 1) _segmentScratch = new Segment[_segmentCount + count + 1];
        _piecesVersion = Groups.Version;
        _valuesVersion = Groups.ValuesVersion;
    }

    /// <summary>The new step's uniforms become current; the previous step's current ones become previous, piece by
    /// piece (the common refinement of the old segments and the new pieces, merged where nothing differs).</summary>
    private void CommitStepBegin()
    {
        var next = _segmentScratch;
        if (next.Length < _segmentCount + _pieceCount + 1) next = _segmentScratch = new Segment[_segmentCount + _pieceCount + 1];
        int count = 0;
        bool scalars = _backend.HasStepScalars;
        long t = StepCount + 1;
        if (!_initialized)
        {
            for (int k = 0; k < _pieceCount; k++)
            {
                var first = scalars ? _backend.ComputeUniforms(t, _pieceValues.AsSpan(k * _hyperCount, _hyperCount), default) : _newUniforms[k];
                next[count++] = new Segment { Start = _pieces[k].Start, End = _pieces[k].End, Piece = k, Prev = first, Cur = first, Next = first };
            }
        }
        else
        {
            int s = 0, k = 0;
            long at = 0;
            while (at < ParameterCount)
            {
                while (_segments[s].End <= at) s++;
                while (_pieces[k].End <= at) k++;
                long end = Math.Min(_segments[s].End, _pieces[k].End);
                // Pipelined (first-same-as-last) schemes finish the previous step with its own uniforms; the others
                // recover the look-ahead point with the uniforms it was written with (the previous step's preview).
                var previous = Layout.StartPass >= 0 ? _segments[s].Cur : _segments[s].Next;
                // Step scalars continue the recurrence of these very parameters (each group keeps its own).
                var current = scalars ? _backend.ComputeUniforms(t, _pieceValues.AsSpan(k * _hyperCount, _hyperCount), in _segments[s].Cur) : _newUniforms[k];
                var segment = new Segment { Start = at, End = end, Piece = k, Prev = previous, Cur = current, Next = current };
                if (count > 0 && Same(next[count - 1], segment)) next[count - 1].End = end;
                else next[count++] = segment;
                at = end;
            }
        }
        _segmentScratch = _segments;
        _segments = next;
        _segmentCount = count;
    }

    private static bool Same(in Segment a, in Segment b) =>
        a.Piece == b.Piece
        && MemoryMarshal.AsBytes(new ReadOnlySpan<TUniforms>(in a.Prev)).SequenceEqual(MemoryMarshal.AsBytes(new ReadOnlySpan<TUniforms>(in b.Prev)))
        && MemoryMarshal.AsBytes(new ReadOnlySpan<TUniforms>(in a.Cur)).SequenceEqual(MemoryMarshal.AsBytes(new ReadOnlySpan<TUniforms>(in b.Cur)));

    private void ResetSegments()
    {
        _segments[0] = new Segment { Start = 0, End = ParameterCount, Piece = -1 };
        _segmentCount = 1;
    }
}
