using System.Collections.Generic;
using System.Linq;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Analysis;

/// <summary>What the fused undo copy of a step adds to a plan: the pass that copies, the arrays it copies into, and
/// the arrays that hold nothing between steps.</summary>
/// <param name="Kernel">The first pass of a steady step that also stores, element by element, the step-begin value of
/// every target into its own rollback array; null when a step has one pass (nothing to undo: nothing is written
/// before the gradient exists).</param>
/// <param name="Targets">For rollback array i (slot ArrayCount + i), the slot it keeps: -1 the parameters, k >= 0 state
/// array k.</param>
/// <param name="ExtraBytes">What the copy adds to the first pass, per parameter: a store per target, and a load for a
/// target the pass did not read.</param>
/// <param name="StepLocal">State arrays (bit k) whose value between steps is dead: a steady step writes each before
/// reading it, and the iterate pass at rest does not read it. Checkpoints written between steps hold zeros for them.</param>
internal sealed record RollbackPlan(KernelPlan? Kernel, EquatableArray<int> Targets, int ExtraBytes, int StepLocal);

/// <summary>
/// Plans the undo of a step of several passes (a step through the gradient function is all or nothing). A failure can
/// come only between passes (the gradient function throws, or the next gradient is refused), and the last pass runs
/// only after the last gradient was accepted, so what needs its step-begin value kept is every value that is live
/// between steps and written by a pass other than the last. The first pass of the step copies those values as it
/// streams over them: one store per value (the parameters are read there anyway), instead of a separate copy of every
/// array before the step.
/// </summary>
internal static class RollbackPlanner
{
    public static RollbackPlan Plan(IReadOnlyList<KernelPlan> kernels, IReadOnlyList<int> cycle, IReadOnlyList<int> iterate, int arrayCount)
    {
        int stepLocal = 0;
        for (int a = 0; a < arrayCount && a < 31; a++)
            if (!LiveBetweenSteps(a, kernels, cycle, iterate)) stepLocal |= 1 << a;
        if (cycle.Count < 2) return new RollbackPlan(null, EquatableArray<int>.Empty, 0, stepLocal);

        var targets = new List<int>();
        foreach (int slot in new[] { Slots.Parameters }.Concat(Enumerable.Range(0, arrayCount)))
        {
            bool written = cycle.Take(cycle.Count - 1).Any(c => Stores(kernels[c], slot));
            if (written && (slot == Slots.Parameters || (stepLocal >> slot & 1) == 0)) targets.Add(slot);
        }
        if (targets.Count == 0) return new RollbackPlan(null, EquatableArray<int>.Empty, 0, stepLocal);

        var first = kernels[cycle[0]];
        var (loads, stores) = WithCopies(first.Loads, first.Stores, targets, arrayCount, Locals(first));
        var variants = first.Variants.Select(v =>
        {
            var (vl, vs) = WithCopies(v.Loads, v.Stores, targets, arrayCount, Locals(first).Concat(v.Statements.Select(s => s.Local)).Concat(v.Loads.Select(l => l.Local)));
            return new KernelVariant(v.Key, vl, v.Statements, vs);
        }).ToEquatableArray();
        var kernel = new KernelPlan(first.Name + "WithRollback", first.Description + "; keeps the step-begin values for its undo",
            first.BeginsStep, loads, first.Statements, stores, first.Conditions, variants, first.Reduce);
        int extra = 4 * (loads.Count - first.Loads.Count + stores.Count - first.Stores.Count);
        return new RollbackPlan(kernel, targets.ToEquatableArray(), extra, stepLocal);
    }

    private static IEnumerable<string> Locals(KernelPlan k) => k.Loads.Select(l => l.Local).Concat(k.Statements.Select(s => s.Local));

    /// <summary>The body with a store of each target's loaded value into its rollback array (a load added where the body
    /// did not read the target).</summary>
    private static (EquatableArray<KernelLoad>, EquatableArray<KernelStore>) WithCopies(EquatableArray<KernelLoad> loads, EquatableArray<KernelStore> stores,
        List<int> targets, int arrayCount, IEnumerable<string> taken)
    {
        var names = new HashSet<string>(taken.Concat(KernelNames.Reserved));
        var newLoads = loads.ToList();
        var newStores = stores.ToList();
        for (int i = 0; i < targets.Count; i++)
        {
            int slot = targets[i];
            string? local = loads.FirstOrDefault(l => l.Slot == slot)?.Local;
            if (local is null)
            {
                local = slot == Slots.Parameters ? "undo_p" : "undo_a" + slot;
                while (!names.Add(local)) local += "_";
                newLoads.Add(new KernelLoad(local, slot));
            }
            newStores.Add(new KernelStore(arrayCount + i, local));
        }
        return (newLoads.ToEquatableArray(), newStores.ToEquatableArray());
    }

    /// <summary>Whether state array <paramref name="slot"/> carries a value from one step into the next: a steady step (or
    /// the iterate pass at rest) reads it before writing it, or leaves it alone.</summary>
    private static bool LiveBetweenSteps(int slot, IReadOnlyList<KernelPlan> kernels, IReadOnlyList<int> cycle, IReadOnlyList<int> iterate)
    {
        if (iterate.Count > 0 && Loads(kernels[iterate[0]], slot)) return true;
        foreach (int c in cycle)
        {
            var k = kernels[c];
            if (Loads(k, slot)) return true;
            // Dead only when the pass overwrites it under every assignment of its flags.
            bool alwaysStored = k.Stores.Any(s => s.Slot == slot) && k.Variants.All(v => v.Stores.Any(s => s.Slot == slot));
            if (alwaysStored) return false;
            if (Stores(k, slot)) return true; // stored under some flags only: its old value may flow on
        }
        return true;
    }

    private static bool Loads(KernelPlan k, int slot) => k.Loads.Any(l => l.Slot == slot) || k.Variants.Any(v => v.Loads.Any(l => l.Slot == slot));

    private static bool Stores(KernelPlan k, int slot) => k.Stores.Any(s => s.Slot == slot) || k.Variants.Any(v => v.Stores.Any(s => s.Slot == slot));
}
