// The CPU form of [Reduction]s: for a pass with a ReductionPlan, a read-only reduction pass over each block of 32,768
// elements of a segment (the same loads and gradient clipping as the pass; each term accumulated in double into four
// partial sums by element index mod 4, so that the result depends neither on the SIMD width nor on the thread count),
// and the overrides through which OptimizerCore runs it and combines the blocks in order into the uniforms of the pass.
using System.Collections.Generic;
using System.Linq;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Emit;

internal static partial class CpuEmitter
{
    /// <summary>Every reduction field of the plan's passes, once, in order of appearance.</summary>
    private static List<ReductionTerm> ReductionFields(OptimizerPlan plan)
    {
        var result = new List<ReductionTerm>();
        foreach (var k in plan.Kernels)
            if (k.Reduce is not null)
                foreach (var t in k.Reduce.Terms)
                    if (!result.Any(r => r.Field == t.Field)) result.Add(t);
        return result;
    }

    private static void WriteReductionDispatch(SourceWriter w, OptimizerPlan plan)
    {
        if (!plan.Kernels.Any(k => k.Reduce is not null)) return;
        WriteReductionCount(w, plan.Kernels);

        w.Open("protected override void Reduce(int pass, nint start, nint end, global::System.Span<double> result)");
        w.Open("switch (pass)");
        for (int i = 0; i < plan.Kernels.Count; i++)
            if (plan.Kernels[i].Reduce is not null) w.Line("case " + i + ": " + plan.Kernels[i].Name + "Reduce(start, end, result); break;");
        w.Line("default: throw new global::System.ArgumentOutOfRangeException(nameof(pass));");
        w.Close();
        w.Close();
        w.Line();

        WriteApplyReductions(w, plan.Kernels, "StepUniforms", perResidue: false);
    }

    /// <summary>The override that combines a pass's partial results, in a fixed order, into its uniforms: on the CPU one
    /// result per block and term (<c>partials[block * count + term]</c>); on the GPU (<paramref name="perResidue"/>) one per
    /// residue class mod 4 of a block (<c>partials[(block * 4 + residue) * count + term]</c>), first combined per block as
    /// the CPU form's reduction pass combines its four partial sums, so both forms compute the same values.</summary>
    internal static void WriteApplyReductions(SourceWriter w, EquatableArray<KernelPlan> kernels, string uniforms, bool perResidue)
    {
        w.Line("/// <summary>Combines the blocks' partial results in block order (the same for any thread count) into the pass's uniforms.</summary>");
        w.Open("protected override void ApplyReductions(int pass, ref " + uniforms + " u, global::System.ReadOnlySpan<double> partials, int blocks)");
        w.Open("switch (pass)");
        for (int i = 0; i < kernels.Count; i++)
        {
            if (kernels[i].Reduce is not { } r) continue;
            w.Open("case " + i + ":");
            int n = r.Terms.Count;
            for (int t = 0; t < n; t++)
            {
                var term = r.Terms[t];
                w.Line("double r" + t + " = 0;");
                string value;
                if (!perResidue) value = "partials[b * " + n + " + " + t + "]";
                else
                {
                    string p(int q) => "partials[(4 * b + " + q + ") * " + n + " + " + t + "]";
                    value = term.Kind == ReductionKind.MaxAbs
                        ? Core + ".ReductionMath.Max(" + Core + ".ReductionMath.Max(" + p(0) + ", " + p(1) + "), " + Core + ".ReductionMath.Max(" + p(2) + ", " + p(3) + "))"
                        : "(" + p(0) + " + " + p(1) + ") + (" + p(2) + " + " + p(3) + ")";
                }
                w.Line("for (int b = 0; b < blocks; b++) r" + t + " = " + Combine(term.Kind, "r" + t, value) + ";");
                w.Line("u." + term.Field + " = (float)" + (term.Kind == ReductionKind.Norm ? "global::System.Math.Sqrt(r" + t + ")" : "r" + t) + ";");
            }
            w.Line("break;");
            w.Close();
        }
        w.Line("default: throw new global::System.ArgumentOutOfRangeException(nameof(pass));");
        w.Close();
        w.Close();
        w.Line();
    }

    private static string Combine(ReductionKind kind, string acc, string value) =>
        kind == ReductionKind.MaxAbs ? Core + ".ReductionMath.Max(" + acc + ", " + value + ")" : acc + " + " + value;

    /// <summary>The reduction pass of <paramref name="k"/> over one block: the SIMD width chosen like the pass's, the
    /// partial sums combined in a fixed order into <c>result</c> (one value per term).</summary>
    private static void WriteReducePass(SourceWriter w, KernelPlan k, List<int> passSlots)
    {
        var r = k.Reduce!;
        // A reduce-only pass (a staged scheme's error norm) loads nothing in its main body; its reduction names its own slots.
        var slots = passSlots.Where(s => r.Loads.Any(l => l.Slot == s))
            .Concat(r.Loads.Select(l => l.Slot).Where(s => !passSlots.Contains(s)).Distinct().OrderBy(s => s < 0 ? -100 - s : s)).ToList();
        string refArgs = string.Join(", ", slots.Select(s => "ref " + RefName(s)));
        string sep = slots.Count > 0 ? ", " : "";
        bool gradient = r.Loads.Any(l => l.Slot == Slots.Gradient);
        string gradientArgs = gradient ? "GradientScale, GradientLimit, " : "";
        int n = r.Terms.Count;

        w.Line("/// <summary>The reduction pass of " + k.Name + " over one block: " + Literals.Comment(string.Join(", ", r.Terms.Select(t => t.Description))).Replace("<", "&lt;").Replace(">", "&gt;") + ".</summary>");
        w.Open("private void " + k.Name + "Reduce(nint start, nint end, global::System.Span<double> result)");
        foreach (var s in slots) w.Line("ref " + RefType(s) + " " + RefName(s) + " = ref " + RefSource(s) + ";");
        if (gradient) w.Line("bool clip = GradientScale != 1f || GradientLimit != float.PositiveInfinity;");
        w.Line("global::System.Span<double> acc = stackalloc double[" + 4 * n + "];");
        w.Line("acc.Clear();");
        for (int t = 0; t < n; t++)
            if (r.Terms[t].Kind == ReductionKind.MaxAbs) w.Line("acc.Slice(" + 4 * t + ", 4).Fill(0d);");
        w.Line("nint i = start;");
        string callWith(string simd, string clip) => k.Name + "ReduceLoop<" + Core + "." + simd + clip + ">(" + refArgs + sep + gradientArgs + "i, end, in Previous, in Current, in Next, acc)";
        string call(string simd) => gradient
            ? "clip ? " + callWith(simd, ", " + Core + ".GradientClipped") + " : " + callWith(simd, ", " + Core + ".GradientUnclipped")
            : callWith(simd, "");
        w.Line("if (global::System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) i = " + call("Simd512") + ";");
        w.Line("else if (global::System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated) i = " + call("Simd256") + ";");
        w.Line("else if (global::System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated) i = " + call("Simd128") + ";");
        w.Line("_ = " + call("SimdScalar") + ";");
        for (int t = 0; t < n; t++)
        {
            string a(int q) => "acc[" + (4 * t + q) + "]";
            w.Line("result[" + t + "] = " + (r.Terms[t].Kind == ReductionKind.MaxAbs
                ? Core + ".ReductionMath.Max(" + Core + ".ReductionMath.Max(" + a(0) + ", " + a(1) + "), " + Core + ".ReductionMath.Max(" + a(2) + ", " + a(3) + "))"
                : "(" + a(0) + " + " + a(1) + ") + (" + a(2) + " + " + a(3) + ")") + ";");
        }
        w.Close();
        w.Line();

        string refParams = string.Join(", ", slots.Select(s => "ref " + RefType(s) + " " + RefName(s)));
        w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
        w.Line("private static nint " + k.Name + "ReduceLoop<V" + (gradient ? ", C" : "") + ">(" + refParams + sep + (gradient ? "float gradientScale, float gradientLimit, " : "") +
               "nint i, nint end, in StepUniforms _prev, in StepUniforms _u, in StepUniforms _next, global::System.Span<double> acc)");
        w.Line("    where V : struct, " + Core + ".ISimd<V>");
        if (gradient) w.Line("    where C : struct, " + Core + ".IGradientClip");
        w.Line("{");
        var vectors = new VectorSpelling();
        var body = new SourceWriter();
        PlanWalker.WriteBody(body, new SimdBody(vectors), r.Loads, r.Statements, System.Array.Empty<KernelStore>());
        var inner = VectorPrologue(vectors, gradient);
        inner.Line("global::System.Span<float> _lanes = stackalloc float[V.Count];");
        foreach (var line in inner.ToString().Split('\n')) if (line.Length > 0) w.Line("    " + line);
        w.Line("    for (; i <= end - V.Count; i += V.Count)");
        w.Line("    {");
        foreach (var line in body.ToString().Split('\n')) if (line.Length > 0) w.Line("        " + line);
        for (int t = 0; t < n; t++)
        {
            var term = r.Terms[t];
            // Element e (absolute index) goes to partial sum e mod 4, in increasing e: the same partial sums, in the same
            // order, at every width (and in the GPU form's reduction kernel, one thread per block and residue).
            w.Line("        V.Store(" + term.Local + ", ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(_lanes), 0);");
            w.Line("        for (int _l = 0; _l < V.Count; _l++)");
            w.Line("        {");
            w.Line("            double _x = _lanes[_l];");
            w.Line("            ref double _a = ref acc[" + 4 * t + " + (int)((i + _l) & 3)];");
            w.Line("            _a = " + (term.Kind switch
            {
                ReductionKind.Norm => "_a + _x * _x",
                ReductionKind.Sum => "_a + _x",
                _ => Core + ".ReductionMath.Max(_a, global::System.Math.Abs(_x))",
            }) + ";");
            w.Line("        }");
        }
        w.Line("    }");
        w.Line("    return i;");
        w.Line("}");
        w.Line();
    }

    /// <summary>ReductionCount(pass): how many reductions each pass's reduction pass computes (CPU and GPU forms).</summary>
    internal static void WriteReductionCount(SourceWriter w, System.Collections.Generic.IReadOnlyList<KernelPlan> kernels)
    {
        w.Open("protected override int ReductionCount(int pass)");
        w.Open("switch (pass)");
        for (int i = 0; i < kernels.Count; i++)
            if (kernels[i].Reduce is { } r) w.Line("case " + i + ": return " + r.Terms.Count + ";");
        w.Line("default: return 0;");
        w.Close();
        w.Close();
        w.Line();
    }

    /// <summary>The vector constants a SIMD loop sets up before it runs: the gradient controls (when it loads g), the
    /// broadcast uniforms of the step and its neighbours, and the literal constants.</summary>
    private static SourceWriter VectorPrologue(VectorSpelling vectors, bool gradient)
    {
        var inner = new SourceWriter();
        if (gradient)
        {
            inner.Line("V _gradientScale = V.Create(gradientScale);");
            inner.Line("V _gradientLow = V.Create(-gradientLimit);");
            inner.Line("V _gradientHigh = V.Create(gradientLimit);");
        }
        foreach (var u in vectors.Uniforms) inner.Line("V _" + u + " = V.Create(_u." + u + ");");
        foreach (var u in vectors.PrevUniforms) inner.Line("V _prev" + u + " = V.Create(_prev." + u + ");");
        foreach (var u in vectors.NextUniforms) inner.Line("V _next" + u + " = V.Create(_next." + u + ");");
        for (int c = 0; c < vectors.Constants.Count; c++) inner.Line("V _k" + c + " = V.Create(" + Literals.Float(vectors.Constants[c]) + ");");
        return inner;
    }
}
