// The layout of the persistent arrays: at each boundary between passes, a basis of the span of the stage values still
// needed, per state variable, and the assignment of its entries to array slots (an entry kept unchanged across a boundary
// keeps its slot); also the description of each boundary for the plan's header.
using System;
using System.Collections.Generic;
using System.Linq;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Analysis;

/// <summary>One value a boundary keeps for a state variable: a vector of the variable's stage algebra, held in array
/// <see cref="Slot"/>, or, when <see cref="Free"/>, recovered from the parameter buffer.</summary>
internal sealed class BasisEntry
{
    public BasisEntry(Functional vector, bool free) { Vector = vector; Free = free; }
    public Functional Vector { get; }
    public bool Free { get; }
    public int Slot { get; set; } = -1;
}

/// <summary>The persistent arrays of a plan, boundary by boundary.</summary>
/// <remarks>The gradient stages G = j_1 &lt; ... &lt; j_k split the step into passes. Between two passes only the
/// span of the values still needed has to be kept; the layout stores a basis of that span (chosen greedily
/// among the needed values themselves), and the parameter buffer holds one of them for free: the point where
/// the next gradient is evaluated.</remarks>
internal sealed class ArrayLayout
{
    private readonly StageAlgebra _a;

    // Layout of each boundary r (before the pass whose gradient is at stage G[r]): per variable, its basis.
    private readonly List<List<BasisEntry>[]> _layouts = new();

    private ArrayLayout(StageAlgebra algebra) => _a = algebra;

    /// <summary>The bases of every boundary of <paramref name="algebra"/>'s step, with their slots assigned.</summary>
    public static ArrayLayout Compute(StageAlgebra algebra)
    {
        var layout = new ArrayLayout(algebra);
        layout.ComputeLayouts();
        layout.ArrayCount = layout.AssignSlots();
        return layout;
    }

    /// <summary>Persistent arrays the layouts use (the largest slot plus one).</summary>
    public int ArrayCount { get; private set; }

    /// <summary>The basis of each variable at boundary r (before the pass whose gradient is at stage G[r]).</summary>
    public List<BasisEntry>[] this[int boundary] => _layouts[boundary];

    /// <summary>Coordinates held by the arrays at boundary r, before its pass recomputes the implicit
    /// values of its gradient stage. <paramref name="full"/>: include the point variables' diagonal terms.</summary>
    private Func<Coord, bool> Space(int r, int x, bool full)
    {
        if (r == 0) return c => c.Kind == CoordKind.Base;
        int j = _a.GradientStages[r];
        bool withDiagonal = full && _a.IsPointVariable(x);
        return c => c.Kind == CoordKind.Base || c.Stage < j || withDiagonal && c.Kind == CoordKind.L && c.Stage == j;
    }

    private void ComputeLayouts()
    {
        int nv = _a.VariableCount;
        for (int r = 0; r < _a.GradientStages.Count; r++)
        {
            var layout = new List<BasisEntry>[nv];
            int j = _a.GradientStages[r];
            for (int x = 0; x < nv; x++)
            {
                var generators = new List<(Functional Vector, bool Full, bool Free)>();
                bool point = _a.IsPointVariable(x);
                if (point) generators.Add((r == 0 ? Functional.Base(0) : _a.StageFull(x, j, 0), true, x == 0));
                var restricted = Space(r, x, full: false);
                if (r == 0) generators.Add((Functional.Base(0), false, false));
                // Stage values still to be computed (an implicit part that reads its own variable makes that value needed;
                // one that does not, needs only the stage values it reads, so its own R is not kept: ODEOPT099 found by
                // FuzzTests when R held an explicit derivative that no pass computes).
                else if (!point && _a.NeedsStage(j, x)) generators.Add((_a.StageR(x, j, 0).Where(restricted), false, false));
                for (int l = j + 1; l < _a.Stages; l++)
                    if (_a.NeedsStage(l, x)) generators.Add((_a.StageR(x, l, 0).Where(restricted), false, false));
                generators.Add((_a.Final(x, 0).Where(restricted), false, false));

                var basis = new List<BasisEntry>();
                foreach (var (vector, full, free) in generators)
                {
                    var space = Space(r, x, full);
                    if (!free && LinearAlgebra.Solve(basis.Select(e => e.Vector).ToList(), vector, space) is not null) continue;
                    basis.Add(new BasisEntry(vector, free));
                }
                layout[x] = basis;
            }
            _layouts.Add(layout);
        }
    }

    private int AssignSlots()
    {
        int nv = _a.VariableCount;
        int count = 0;
        List<BasisEntry>[]? previous = null;
        foreach (var layout in _layouts)
        {
            var used = new HashSet<int>();
            for (int x = 0; x < nv; x++)
            {
                foreach (var entry in layout[x].Where(e => !e.Free))
                {
                    var same = previous?[x].FirstOrDefault(p => !p.Free && p.Vector.Equals(entry.Vector) && !used.Contains(p.Slot));
                    if (same is not null) { entry.Slot = same.Slot; used.Add(same.Slot); }
                }
            }
            for (int x = 0; x < nv; x++)
            {
                foreach (var entry in layout[x].Where(e => !e.Free && e.Slot < 0))
                {
                    int slot = 0;
                    while (used.Contains(slot)) slot++;
                    entry.Slot = slot;
                    used.Add(slot);
                }
            }
            count = Math.Max(count, used.Count == 0 ? 0 : used.Max() + 1);
            previous = layout;
        }
        return count;
    }

    /// <summary>What each array holds at each boundary, for the generated header.</summary>
    public List<BoundaryPlan> Describe()
    {
        var s = _a.Scheme;
        var g = _a.GradientStages;
        var boundaries = new List<BoundaryPlan>();
        for (int r = 0; r < g.Count; r++)
        {
            string description = r == 0
                ? "at the start of a step (gradient at stage " + (g[0] + 1) + ")"
                : "before the gradient at stage " + (g[r] + 1);
            var slots = new List<SlotContent>();
            for (int x = 0; x < _a.VariableCount; x++)
                foreach (var entry in _layouts[r][x])
                    slots.Add(new SlotContent(entry.Free ? Slots.Parameters : entry.Slot, entry.Vector.Describe(_a.Variables[x]) + (entry.Free && s.PointCoefficients.Count > 0 ? " (recovered from the look-ahead point)" : "")));
            boundaries.Add(new BoundaryPlan(description, slots.OrderBy(sc => sc.Slot).ToEquatableArray()));
        }
        return boundaries;
    }
}
