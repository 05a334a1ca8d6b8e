using System;
using System.Collections.Generic;
using System.Linq;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Emit;

/// <summary>Which state arrays a pass touches, per assignment of its per-step conditions (flags): shared by the CPU and
/// GPU emitters, so that both forms skip and defer the same arrays.</summary>
internal static class ArrayUse
{
    /// <summary>The state arrays (slots 0..) among <paramref name="slots"/> as a bit mask.</summary>
    private static int Mask(IEnumerable<int> slots) => slots.Where(s => s >= 0 && s < 31).Aggregate(0, (m, s) => m | 1 << s);

    /// <summary>The state arrays the unspecialized body of a pass names.</summary>
    public static int Touched(KernelPlan k) => Mask(k.Loads.Select(l => l.Slot).Concat(k.Stores.Select(st => st.Slot)));

    /// <summary>The state arrays the body specialized for one assignment touches.</summary>
    public static int Touched(KernelVariant v) => Mask(v.Loads.Select(l => l.Slot).Concat(v.Stores.Select(st => st.Slot)));

    /// <summary>
    /// State arrays that some assignment of the flags may leave untouched (AMSGrad's running maximum while AMSGrad is
    /// off): every pass that names the array has an assignment under which it does not touch it. The runtime allocates
    /// them at the first pass that touches them; until then they hold their initial value 0 and take no memory. The undo
    /// pass (<paramref name="undoKernel"/>) does not count: it copies what the step will write, under any flags.
    /// </summary>
    public static int Optional(int arrayCount, IEnumerable<KernelPlan> kernels, int undoKernel)
    {
        if (arrayCount > 30) return 0;
        int optional = (1 << arrayCount) - 1;
        foreach (var k in kernels.Where((_, i) => i != undoKernel))
        {
            if (k.Variants.Count == 0) { optional &= ~Touched(k); continue; }
            // An array that every variant of this pass touches is always allocated.
            optional &= ~k.Variants.Aggregate(-1, (m, v) => m & Touched(v));
        }
        return optional;
    }

    /// <summary>For layouts with optional arrays: the override that tells the runtime which arrays a pass touches under
    /// the flags of the uniforms it runs with. <paramref name="signature"/> declares it; <paramref name="variantKey"/>
    /// writes a pass's variant key over the uniforms in scope there.</summary>
    public static void WriteArraysTouched(SourceWriter w, int arrayCount, EquatableArray<KernelPlan> kernels, int undoKernel, string signature, Func<KernelPlan, string> variantKey)
    {
        if (Optional(arrayCount, kernels, undoKernel) == 0) return;
        w.Open(signature);
        w.Open("switch (pass)");
        for (int i = 0; i < kernels.Count; i++)
        {
            var k = kernels[i];
            if (k.Variants.Count == 0) { w.Line("case " + i + ": return " + Touched(k) + ";"); continue; }
            w.Open("case " + i + ":");
            w.Open("switch (" + variantKey(k) + ")");
            foreach (var v in k.Variants) w.Line("case " + v.Key + ": return " + Touched(v) + ";");
            w.Close();
            w.Line("return " + Touched(k) + ";");
            w.Close();
        }
        w.Line("default: throw new global::System.ArgumentOutOfRangeException(nameof(pass));");
        w.Close();
        w.Close();
        w.Line();
    }
}
