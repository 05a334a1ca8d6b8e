// Owns what the CPU and GPU emitters both do with the plan (Model/Plan.cs, Model/GpuPlan.cs): the walk of a pass body
// (loads, statements, stores) through a backend's PassSpelling, the pass layout, variant keys, slot names and the
// pass summaries of the generated headers. The emitters keep only how they spell a load, a store and a loop.
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Emit;

/// <summary>How a backend writes one pass body: a load, a statement's local, a store, and (through
/// <see cref="Expressions"/>) the statements' right-hand sides with their uniform references.</summary>
internal abstract class PassSpelling
{
    protected PassSpelling(ExprSpelling expressions) => Expressions = expressions;

    public ExprSpelling Expressions { get; }

    /// <summary>Writes the line(s) that read <paramref name="load"/> into its local.</summary>
    public abstract void Load(SourceWriter w, KernelLoad load);

    /// <summary>The declaration of a statement's local: its type and name.</summary>
    public abstract string Local(KernelStatement statement);

    /// <summary>Writes the line(s) that write <paramref name="store"/>'s local to its slot.</summary>
    public abstract void Store(SourceWriter w, KernelStore store);
}

/// <summary>The plan walk both emitters share.</summary>
internal static class PlanWalker
{
    /// <summary>One pass body, straight-line: its loads, its statements in order, its stores.</summary>
    public static void WriteBody(SourceWriter w, PassSpelling spelling, IEnumerable<KernelLoad> loads, IEnumerable<KernelStatement> statements, IEnumerable<KernelStore> stores)
    {
        foreach (var l in loads) spelling.Load(w, l);
        foreach (var st in statements) w.Line(spelling.Local(st) + " = " + spelling.Expressions.Write(st.Value) + ";");
        foreach (var s in stores) spelling.Store(w, s);
    }

    /// <summary>The slots a pass names (loads and stores), the parameter, gradient and output buffers first, then the state
    /// arrays in order.</summary>
    public static List<int> SlotsOf(KernelPlan k) =>
        k.Loads.Select(l => l.Slot).Concat(k.Stores.Select(s => s.Slot)).Distinct().OrderBy(s => s < 0 ? -100 - s : s).ToList();

    /// <summary>p, g, out or a&lt;k&gt;: the short name of a slot, in comments and generated locals.</summary>
    public static string SlotName(int slot) => slot switch
    {
        Slots.Parameters => "p",
        Slots.Gradient => "g",
        Slots.Output => "out",
        _ => "a" + slot.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>"reads p, g; writes a0": the slots a body loads and stores, in their order.</summary>
    public static string Traffic(IEnumerable<KernelLoad> loads, IEnumerable<KernelStore> stores) =>
        "reads " + string.Join(", ", loads.Select(l => SlotName(l.Slot))) + "; writes " + string.Join(", ", stores.Select(s => SlotName(s.Slot)));

    /// <summary>The header's line per pass: its name, what it computes, what it reads and writes.</summary>
    public static void WritePassSummaries(SourceWriter w, IEnumerable<KernelPlan> kernels)
    {
        foreach (var k in kernels) w.Line("//   " + k.Name + ": " + Literals.Comment(k.Description) + "; " + Traffic(k.Loads, k.Stores) + ".");
    }

    /// <summary>The variant key of a pass (bit b = condition b), its conditions written by <paramref name="spelling"/>
    /// over the uniforms in scope.</summary>
    public static string VariantKey(KernelPlan k, ExprSpelling spelling) =>
        string.Join(" | ", k.Conditions.Select((c, b) => "(" + spelling.Write(c.Condition) + " ? " + (1 << b) + " : 0)"));

    /// <summary>The <c>SchemeLayout</c> both forms hand their runtime: arrays, the passes that begin a step, the cycle,
    /// the start, init and iterate passes, the arrays that may stay unallocated, and a staged form's program.</summary>
    public static void WriteLayout(SourceWriter w, int arrayCount, EquatableArray<KernelPlan> kernels, EquatableArray<int> cycle, int startKernel, int initKernel,
        EquatableArray<int> iterateKernels, int iterateAtStartKernel, RollbackLayout undo, string? staged = null, int bfloat16 = 0, int half = 0)
    {
        w.Line("private static readonly global::OdeOpt.Runtime.SchemeLayout s_layout = new global::OdeOpt.Runtime.SchemeLayout(");
        w.Line("    arrayCount: " + arrayCount + ",");
        w.Line("    beginsStep: new bool[] { " + string.Join(", ", kernels.Select(k => Literals.Bool(k.BeginsStep))) + " },");
        w.Line("    cycle: new int[] { " + string.Join(", ", cycle) + " },");
        w.Line("    startPass: " + startKernel + ",");
        w.Line("    initPass: " + initKernel + ",");
        w.Line("    iteratePasses: new int[] { " + string.Join(", ", iterateKernels) + " },");
        int optional = ArrayUse.Optional(arrayCount, kernels, undo.Kernel);
        var init = new List<string>();
        if (optional != 0) init.Add("OptionalArrays = " + optional);
        if (undo.Kernel >= 0) init.Add("RollbackPass = " + undo.Kernel + ", RollbackTargets = new int[] { " + string.Join(", ", undo.Targets) + " }");
        if (undo.StepLocal != 0) init.Add("StepLocalArrays = " + undo.StepLocal);
        if (staged is not null) init.Add("Staged = " + staged);
        if (bfloat16 != 0) init.Add("BFloat16Arrays = " + bfloat16);
        if (half != 0) init.Add("HalfArrays = " + half);
        w.Line("    iterateAtStartPass: " + iterateAtStartKernel + ")" + (init.Count > 0 ? " { " + string.Join(", ", init) + " }" : "") + ";");
        w.Line();
    }
}
