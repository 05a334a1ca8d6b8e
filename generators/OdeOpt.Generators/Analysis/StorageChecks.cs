// [StateStorage]: which state arrays a plan stores in bfloat16 or binary16 (Half), or ODEOPT047 where it cannot. The first form is the
// simplest plan: one pass per step (no first-same-as-last pipeline, no step copy, not staged), where the array of a
// state variable is loaded under the variable's own name and holds its value between steps. Its loads and stores are then
// widened and rounded in the generated loop, and the bytes per parameter counted at 2 for it. The GPU form reads the
// same 16-bit arrays (IlgpuEmitter) with the same rounding.
using System.Collections.Generic;
using System.Linq;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Analysis;

internal static class StorageChecks
{
    public const int Float32 = 0, BFloat16 = 1, Half = 2;

    public static string Name(int storage) => storage == Half ? "binary16 (Half)" : "bfloat16";

    /// <summary>The plan with its 16-bit arrays and bytes, or the plan unchanged with ODEOPT047 findings added.</summary>
    public static OptimizerPlan Apply(OptimizerPlan plan, List<DiagnosticInfo> diagnostics)
    {
        var m = plan.Model;
        if (m.Storages.Count == 0 && m.ParameterStorage is null) return plan;
        void Report(StorageModel s, string why) => diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidStateStorage, s.Location ?? m.Location, s.Variable, m.Name, why));

        string? planReason = plan.Staged is not null ? "the scheme is staged (an implicit gradient stage or a step-size controller), whose arrays hold stage values"
            : plan.Cycle.Count != 1 ? "a step takes " + plan.Cycle.Count + " passes, and the arrays between them hold stage combinations, not the variable"
            : plan.StartKernel >= 0 ? "the scheme is first-same-as-last, and its arrays hold the next step's stage values between calls"
            : plan.Rollback.Kernel >= 0 ? "the step keeps an undo copy of its arrays"
            : null;
        int bfloat16 = 0, half = 0;
        var seen = new HashSet<string>();
        var main = plan.Kernels[plan.Cycle[0]];
        foreach (var s in m.Storages)
        {
            if (s.Storage is not (Float32 or BFloat16 or Half)) { Report(s, "that is no OdeOpt.StateStorage value (" + s.Storage + ")"); continue; }
            if (!seen.Add(s.Variable)) { Report(s, "the variable is given a storage twice; keep one"); continue; }
            if (s.Variable == Parsing.Parser.Theta) { Report(s, "theta lives in the caller's parameter buffer, which is float32"); continue; }
            if (!plan.StateVariables.Contains(s.Variable)) { Report(s, "the optimizer has no state variable of that name (it has " + string.Join(", ", plan.StateVariables.Skip(1)) + ")"); continue; }
            if (s.Storage == Float32) continue;
            if (planReason is not null) { Report(s, Name(s.Storage) + " storage needs a step of one pass whose arrays hold the variables themselves, and " + planReason); continue; }
            var load = main.Loads.FirstOrDefault(l => l.Local == s.Variable && l.Slot >= 0);
            if (load is null) { Report(s, "its value is not kept in an array of its own between steps"); continue; }
            if (s.Storage == Half) half |= 1 << load.Slot;
            else bfloat16 |= 1 << load.Slot;
        }
        int mask = bfloat16 | half;
        int Bytes(bool buffers16) => plan.Cycle.Sum(c => Count(plan.Kernels[c].Loads.Select(l => l.Slot), buffers16) + Count(plan.Kernels[c].Stores.Select(st => st.Slot), buffers16)
                                                         + Count(plan.Kernels[c].Reduce?.Loads.Select(l => l.Slot) ?? Enumerable.Empty<int>(), buffers16));
        int Count(IEnumerable<int> slots, bool buffers16) =>
            slots.Sum(slot => slot >= 0 && (mask >> slot & 1) != 0 || buffers16 && slot is Slots.Parameters or Slots.Gradient ? 2 : 4);
        int parameterBytes = 0;
        if (m.ParameterStorage is { } ps && ParameterStorageProblem(plan, ps.Storage, planReason) is { } problem)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidParameterStorage, ps.Location ?? m.Location, m.Name, problem));
        else if (m.ParameterStorage is not null) parameterBytes = Bytes(true);
        if (mask == 0 && parameterBytes == 0) return plan;
        return plan with { BFloat16Arrays = bfloat16, HalfArrays = half, BytesPerParameter = Bytes(false), BFloat16ParameterBytes = parameterBytes };
    }

    /// <summary>Why [ParameterStorage(storage)] cannot be honoured by the plan, or null: the extra step form is the plan's
    /// one pass over 16-bit parameter and gradient buffers, with the parameter rounded stochastically where it is stored.</summary>
    private static string? ParameterStorageProblem(OptimizerPlan plan, int storage, string? planReason)
    {
        if (storage != BFloat16) return storage == Float32 || storage == Half ? "only BFloat16 parameter and gradient buffers are offered (stochastic rounding of theta)" : "that is no OdeOpt.StateStorage value (" + storage + ")";
        if (planReason is not null) return "bfloat16 parameters need a step of one pass, and " + planReason;
        if (plan.GradientEvaluationsPerStep != 1) return "the step evaluates " + plan.GradientEvaluationsPerStep + " gradients, and the bfloat16 step form takes the caller's one gradient";
        if (plan.InitKernel >= 0) return "the scheme has an [Initial] pass, which the bfloat16 step form does not run";
        if (plan.IterateKernels.Count > 0) return "the parameter buffer holds a shifted point, not theta, between steps";
        if (plan.Kernels[plan.Cycle[0]].Reduce is not null) return "the step reads a [Reduction], whose pass over bfloat16 buffers is not emitted";
        return null;
    }
}
