// The CPU form's passes: RunPass, one method per pass that picks the SIMD width and the flag variant, and the element
// loop generic over the vector type (SimdBody spells loads and stores, VectorSpelling the arithmetic).
using System;
using System.Collections.Generic;
using System.Linq;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Emit;

internal static partial class CpuEmitter
{
    // ------------------------------------------------------------------ passes

    private static void WriteRunPass(SourceWriter w, OptimizerPlan plan)
    {
        w.Open("protected override void RunPass(int pass, nint start, nint end)");
        w.Open("switch (pass)");
        for (int k = 0; k < plan.Kernels.Count; k++)
            w.Line("case " + k + ": " + (plan.BFloat16ParameterBytes > 0 && k == plan.Cycle[0]
                ? "if (BFloat16Buffers) " + ArrayStorage.Buffers16Pass(plan.Kernels[k]).Name + "(start, end); else " : "") + plan.Kernels[k].Name + "(start, end); break;");
        w.Line("default: throw new global::System.ArgumentOutOfRangeException(nameof(pass));");
        w.Close();
        w.Close();
        w.Line();
        WriteReductionDispatch(w, plan);
    }

    private static string RefName(int slot) => "_" + PlanWalker.SlotName(slot);

    /// <summary>The 16-bit buffers of the pass family being emitted: set by <see cref="Emit"/> for its thread (a generator
    /// may emit several plans at once on different threads) and by <see cref="WriteBuffers16Pass"/>.</summary>
    [ThreadStatic] private static ArrayStorage t_storage;


    private static bool IsBuffer16(int slot) => t_storage.IsBuffer16(slot);

    /// <summary>The pass family over bfloat16 buffers: each loop takes the step's rounding key after its refs.</summary>
    private static void WriteBuffers16Pass(SourceWriter w, OptimizerPlan plan)
    {
        var saved = t_storage;
        t_storage = saved with { Buffers16 = true };
        try
        {
            w.Line("// The step over bfloat16 parameter and gradient buffers ([ParameterStorage]): the parameters and the gradient");
            w.Line("// widened on load, theta rounded stochastically on store with the bits of (seed, step, element index).");
            WritePass(w, ArrayStorage.Buffers16Pass(plan.Kernels[plan.Cycle[0]]));
        }
        finally { t_storage = saved; }
    }

    private static string KeyParameters => t_storage.Buffers16 ? "uint _key0, uint _key1, " : "";

    private static bool IsSixteenBit(int slot) => t_storage.Is16(slot);

    /// <summary>The ISimd load or store of a slot: Load/Store for float, LoadBFloat16/LoadHalf for 16-bit arrays.</summary>
    private static string Access(string verb, int slot) =>
        verb + (!IsSixteenBit(slot) ? "" : IsBuffer16(slot) ? (verb == "Store" ? "BFloat16Stochastic" : "BFloat16") : t_storage.IsHalf(slot) ? "Half" : "BFloat16");

    /// <summary>The element type of a slot's ref: ushort for a 16-bit array, float otherwise.</summary>
    private static string RefType(int slot) => IsSixteenBit(slot) ? "ushort" : "float";

    private static string RefSource(int slot) => slot switch
    {
        Slots.Parameters => IsBuffer16(slot) ? "ParameterRef16" : "ParameterRef",
        Slots.Gradient => IsBuffer16(slot) ? "GradientRef16" : "GradientRef",
        Slots.Output => "OutputRef",
        _ when IsSixteenBit(slot) => "StateRef16(" + slot + ")",
        _ => "StateRef(" + slot + ")",
    };

    private static void WritePass(SourceWriter w, KernelPlan k)
    {
        var slots = PlanWalker.SlotsOf(k);
        string refArgs = string.Join(", ", slots.Select(s => "ref " + RefName(s)));
        string sep = (slots.Count > 0 ? ", " : "") + (t_storage.Buffers16 ? "RoundingKey0, RoundingKey1, " : "");
        bool gradient = k.Loads.Any(l => l.Slot == Slots.Gradient);
        string gradientArgs = gradient ? "GradientScale, GradientLimit, " : "";
        bool variants = k.Variants.Count > 0;

        w.Line("/// <summary>" + Literals.Comment(k.Description).Replace("<", "&lt;").Replace(">", "&gt;") + ".</summary>");
        w.Open("private void " + k.Name + "(nint start, nint end)");
        foreach (var s in slots) w.Line("ref " + RefType(s) + " " + RefName(s) + " = ref " + RefSource(s) + ";");
        if (variants) w.Line("int variant = " + VariantKey(k) + ";");
        // Gradient clipping is a second type argument, so that the loop without clipping has no clipping code at all.
        if (gradient) w.Line("bool clip = GradientScale != 1f || GradientLimit != float.PositiveInfinity;");
        w.Line("nint i = start;");
        string callWith(string simd, string clip) => (variants ? k.Name + "Variant<" + Core + "." + simd + clip + ">(variant, " : k.Name + "Loop<" + Core + "." + simd + clip + ">(") +
                                    refArgs + sep + gradientArgs + "i, end, in Previous, in Current, in Next)";
        string call(string simd) => gradient
            ? "clip ? " + callWith(simd, ", " + Core + ".GradientClipped") + " : " + callWith(simd, ", " + Core + ".GradientUnclipped")
            : callWith(simd, "");
        w.Line("if (global::System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) i = " + call("Simd512") + ";");
        w.Line("else if (global::System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated) i = " + call("Simd256") + ";");
        w.Line("else if (global::System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated) i = " + call("Simd128") + ";");
        w.Line((gradient ? "_ = " : "") + call("SimdScalar") + ";");
        w.Close();
        w.Line();
        if (k.Reduce is not null) WriteReducePass(w, k, slots);

        if (!variants)
        {
            WriteLoop(w, k.Name + "Loop", slots, gradient, k.Loads, k.Statements, k.Stores);
            return;
        }
        // One loop per assignment of the flags the pass reads, chosen per call from the step's uniforms.
        string parameters = string.Join(", ", slots.Select(s => "ref " + RefType(s) + " " + RefName(s))) + (slots.Count > 0 ? ", " : "") + KeyParameters + (gradient ? "float gradientScale, float gradientLimit, " : "") +
                            "nint i, nint end, in StepUniforms _prev, in StepUniforms _u, in StepUniforms _next";
        string forward = refArgs + (slots.Count > 0 ? ", " : "") + (t_storage.Buffers16 ? "_key0, _key1, " : "") + (gradient ? "gradientScale, gradientLimit, " : "") + "i, end, in _prev, in _u, in _next";
        w.Open("private static nint " + k.Name + "Variant<V" + (gradient ? ", C" : "") + ">(int variant, " + parameters + ") where V : struct, " + Core + ".ISimd<V>" +
               (gradient ? " where C : struct, " + Core + ".IGradientClip" : ""));
        w.Open("switch (variant)");
        foreach (var v in k.Variants) w.Line("case " + v.Key + ": return " + VariantName(k, v) + "<V" + (gradient ? ", C" : "") + ">(" + forward + ");");
        w.Line("default: throw new global::System.ArgumentOutOfRangeException(nameof(variant));");
        w.Close();
        w.Close();
        w.Line();
        foreach (var v in k.Variants)
        {
            w.Line("// " + k.Name + " when " + string.Join(", ", k.Conditions.Select((c, b) => Literals.Comment(c.Text) + " is " + ((v.Key >> b & 1) == 1 ? "true" : "false"))) +
                   ": " + PlanWalker.Traffic(v.Loads, v.Stores) + ".");
            WriteLoop(w, VariantName(k, v), slots, gradient, v.Loads, v.Statements, v.Stores);
        }
    }

    private static string VariantName(KernelPlan k, KernelVariant v) => k.Name + "V" + v.Key + "Loop";

    private static string VariantKey(KernelPlan k) => PlanWalker.VariantKey(k, ConditionSpelling.Instance);

    /// <summary>A per-step condition as scalar C# over the segment's uniforms (evaluated once per pass call), every
    /// compound node in its own parentheses.</summary>
    private sealed class ConditionSpelling : ExprSpelling
    {
        public static readonly ConditionSpelling Instance = new();

        private ConditionSpelling() : base("unexpected node in a per-step condition: ") { }

        protected override string Spell(Expr e, out int precedence)
        {
            switch (e)
            {
                case UnaryExpr u: precedence = 7; return "(" + (u.Op == UnaryOp.Negate ? "-" : "!") + Write(u.Operand) + ")";
                case BinaryExpr b: precedence = 7; return "(" + Write(b.Left) + " " + ExprText.Symbol(b.Op) + " " + Write(b.Right) + ")";
                case ConditionalExpr q: precedence = 7; return "(" + Write(q.Condition) + " ? " + Write(q.WhenTrue) + " : " + Write(q.WhenFalse) + ")";
                default: return base.Spell(e, out precedence);
            }
        }

        protected override string Reference(RefExpr r) => r.Kind switch
        {
            Binding.Uniform => "Current." + r.Name,
            Binding.PrevUniform => "Previous." + r.Name,
            Binding.NextUniform => "Next." + r.Name,
            _ => throw Unexpected(r),
        };

        protected override string Function(MathFunction f) => f == MathFunction.Sign ? Core + ".ScalarMath.Sign" : "global::System.MathF." + f;
    }

    private static void WriteLoop(SourceWriter w, string name, List<int> slots, bool gradientParameters, IEnumerable<KernelLoad> loads,
        IEnumerable<KernelStatement> statements, IEnumerable<KernelStore> stores)
    {
        string refParams = string.Join(", ", slots.Select(s => "ref " + RefType(s) + " " + RefName(s)));
        string sep = slots.Count > 0 ? ", " : "";
        bool gradient = loads.Any(l => l.Slot == Slots.Gradient);
        // i, end and V are KernelNames.Reserved: the planner names no kernel local after them.
        w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
        w.Line("private static nint " + name + "<V" + (gradientParameters ? ", C" : "") + ">(" + refParams + sep + KeyParameters + (gradientParameters ? "float gradientScale, float gradientLimit, " : "") + "nint i, nint end, in StepUniforms _prev, in StepUniforms _u, in StepUniforms _next)");
        w.Line("    where V : struct, " + Core + ".ISimd<V>");
        if (gradientParameters) w.Line("    where C : struct, " + Core + ".IGradientClip");
        w.Line("{");
        // The body first: its expressions collect the constants and uniforms broadcast before the loop.
        var vectors = new VectorSpelling();
        var body = new SourceWriter();
        PlanWalker.WriteBody(body, new SimdBody(vectors), loads, statements, stores);

        var inner = VectorPrologue(vectors, gradient);
        foreach (var line in inner.ToString().Split('\n')) if (line.Length > 0) w.Line("    " + line);
        w.Line("    for (; i <= end - V.Count; i += V.Count)");
        w.Line("    {");
        foreach (var line in body.ToString().Split('\n')) if (line.Length > 0) w.Line("        " + line);
        w.Line("    }");
        w.Line("    return i;");
        w.Line("}");
        w.Line();
    }

    /// <summary>One element group of a SIMD loop: <c>V.Load</c> and <c>V.Store</c> at <c>i</c> through the pass's refs.</summary>
    private sealed class SimdBody : PassSpelling
    {
        public SimdBody(VectorSpelling expressions) : base(expressions) { }

        public override void Load(SourceWriter w, KernelLoad l)
        {
            w.Line("V " + l.Local + " = V." + Access("Load", l.Slot) + "(ref " + RefName(l.Slot) + ", i);");
            // The gradient enters through norm clipping (a scale) and value clipping (a clamp); both are exact no-ops when off.
            if (l.Slot == Slots.Gradient) w.Line("if (C.Enabled) " + l.Local + " = V.Min(V.Max(" + l.Local + " * _gradientScale, _gradientLow), _gradientHigh);");
        }

        public override string Local(KernelStatement st) => "V " + st.Local;

        public override void Store(SourceWriter w, KernelStore s) =>
            w.Line("V." + Access("Store", s.Slot) + "(" + s.Local + ", ref " + RefName(s.Slot) + ", i" + (IsBuffer16(s.Slot) ? ", _key0, _key1" : "") + ");");
    }

    /// <summary>A per-element expression over <c>V</c>: operators where ISimd has them, <c>V.Name(...)</c> otherwise. It
    /// collects the constants (<c>_k0</c>, ...) and uniforms (<c>_name</c>, <c>_prevname</c>, <c>_nextname</c>) it reads,
    /// which the loop broadcasts once before its first element.</summary>
    private sealed class VectorSpelling : ExprSpelling
    {
        public VectorSpelling() : base("unexpected node ") { }

        public List<double> Constants { get; } = new();
        public SortedSet<string> Uniforms { get; } = new(StringComparer.Ordinal);
        public SortedSet<string> PrevUniforms { get; } = new(StringComparer.Ordinal);
        public SortedSet<string> NextUniforms { get; } = new(StringComparer.Ordinal);

        protected override string Spell(Expr e, out int precedence)
        {
            switch (e)
            {
                case ConstExpr c:
                {
                    int index = Constants.IndexOf(c.Value);
                    if (index < 0) { index = Constants.Count; Constants.Add(c.Value); }
                    precedence = 7;
                    return "_k" + index;
                }
                case UnaryExpr { Op: UnaryOp.Not } u: precedence = 7; return Call("Not", u.Operand);
                case BinaryExpr { Op: not (BinaryOp.Add or BinaryOp.Subtract or BinaryOp.Multiply or BinaryOp.Divide) } b:
                {
                    string name = b.Op switch
                    {
                        BinaryOp.Less => "LessThan",
                        BinaryOp.LessOrEqual => "LessThanOrEqual",
                        BinaryOp.Greater => "GreaterThan",
                        BinaryOp.GreaterOrEqual => "GreaterThanOrEqual",
                        BinaryOp.Equal => "Equal",
                        BinaryOp.NotEqual => "NotEqual",
                        BinaryOp.And => "And",
                        _ => "Or",
                    };
                    precedence = 7;
                    return Call(name, b.Left, b.Right);
                }
                case CallExpr c: precedence = 7; return Call(c.Function.ToString(), c.Args.ToArray());
                case ConditionalExpr q: precedence = 7; return Call("Select", q.Condition, q.WhenTrue, q.WhenFalse);
                // Locals, uniforms, negation and + - * / are plain C# on V.
                default: return base.Spell(e, out precedence);
            }
        }

        private string Call(string name, params Expr[] args) => "V." + name + "(" + string.Join(", ", args.Select(a => Write(a))) + ")";

        protected override string Reference(RefExpr r)
        {
            switch (r.Kind)
            {
                case Binding.Local: return r.Name;
                case Binding.Uniform: Uniforms.Add(r.Name); return "_" + r.Name;
                case Binding.PrevUniform: PrevUniforms.Add(r.Name); return "_prev" + r.Name;
                case Binding.NextUniform: NextUniforms.Add(r.Name); return "_next" + r.Name;
                // A reduction's per-segment value: a field of the uniforms the reduction pass filled.
                case Binding.Reduction: Uniforms.Add(r.Name); return "_" + r.Name;
                default: throw Unexpected(r);
            }
        }
    }
}
