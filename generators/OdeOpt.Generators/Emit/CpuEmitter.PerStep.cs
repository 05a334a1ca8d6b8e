// The CPU form's per-step side: the uniforms struct and ComputeStepUniforms (double precision, shared with the GPU
// form), the hyperparameter members, and the [Condition]s as CheckStepConditions.
using System.Collections.Generic;
using System.Linq;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Emit;

internal static partial class CpuEmitter
{
    // ------------------------------------------------------------------ uniforms

    private static void WriteUniforms(SourceWriter w, OptimizerPlan plan)
    {
        var m = plan.Model;
        w.Line("/// <summary>Values hoisted out of the element loop, computed once per step in double precision.</summary>");
        w.Line("[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]");
        w.Line("[global::System.Runtime.InteropServices.StructLayout(global::System.Runtime.InteropServices.LayoutKind.Sequential)]");
        w.Open("public struct StepUniforms");
        LanguageExtensionsEmitter.WriteFields(w, m);
        foreach (var u in plan.Uniforms)
            w.Line("public float " + u.Name + "; // " + Literals.Comment(u.Definition.ToString()));
        foreach (var t in ReductionFields(plan))
            w.Line("public float " + t.Field + "; // " + Literals.Comment(t.Description) + ", per segment: written by the reduction pass before the pass that reads it");
        w.Close();
        w.Line();

        LanguageExtensionsEmitter.WriteScalarMembers(w, m);
        w.Line(LanguageExtensionsEmitter.ComputeUniformsSignature(m) + " => ComputeStepUniforms(step, values, " + (m.StepScalars.Count == 0 ? "default" : "in previous") + ");");
        w.Line();
        // The hyperparameters and step scalars are locals named by their camelCase names; the method's own names avoid them.
        var taken = new HashSet<string>(m.Hyperparameters.Select(h => h.ParameterName).Concat(m.StepScalars.Select(sc => sc.Name))) { "h", "t" };
        string step = Fresh("step", taken), values = Fresh("values", taken), previous = Fresh("previous", taken), result = Fresh("_result", taken);
        w.Line("/// <summary>The per-step values of step <paramref name=\"" + step + "\"/> (1-based) for hyperparameter <paramref name=\"" + values + "\"/> in");
        w.Line("/// declaration order (<paramref name=\"" + previous + "\"/>: the previous step's, read by step scalars only). Shared by the");
        w.Line("/// CPU and GPU forms, so both step with bit-identical values.</summary>");
        w.Line("[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]");
        w.Open("public static StepUniforms ComputeStepUniforms(long " + step + ", global::System.ReadOnlySpan<float> " + values + ", in StepUniforms " + previous + ")");
        var used = new HashSet<RefExpr>(plan.Uniforms.SelectMany(u => X.Refs(u.Definition)).Concat(LanguageExtensionsEmitter.UpdateRefs(m)));
        if (used.Any(r => r.Kind == Binding.StepSize))
        {
            int stepSize = IndexOf(m.Hyperparameters, h => h.IsStepSize);
            w.Line("double h = " + (stepSize < 0 ? "1d" : values + "[" + stepSize + "]") + ";");
        }
        if (used.Any(r => r.Kind == Binding.StepIndex)) w.Line("double t = " + step + ";");
        for (int k = 0; k < m.Hyperparameters.Count; k++)
        {
            var h = m.Hyperparameters[k];
            if (!h.IsStepSize && used.Any(r => r.Kind == Binding.Hyper && r.Name == h.ParameterName))
                w.Line("double @" + h.ParameterName + " = " + values + "[" + k + "]; // " + h.PropertyName);
        }
        LanguageExtensionsEmitter.WriteUpdates(w, m, e => DoubleSpelling.Instance.Write(e), step, previous);
        w.Line("StepUniforms " + result + ";");
        LanguageExtensionsEmitter.WriteStores(w, m, result);
        foreach (var u in plan.Uniforms)
            w.Line(result + "." + u.Name + " = (float)(" + DoubleSpelling.Instance.Write(u.Definition) + ");");
        foreach (var t in ReductionFields(plan)) w.Line(result + "." + t.Field + " = 0f;");
        w.Line("return " + result + ";");
        w.Close();
        w.Line();
    }

    private static string Fresh(string name, HashSet<string> taken)
    {
        string candidate = name;
        for (int i = 2; !taken.Add(candidate); i++) candidate = name + i;
        return candidate;
    }

    /// <summary>A uniform definition (or a [Condition]) as a double-precision C# expression over the locals h, t and
    /// <c>@name</c> of the hyperparameters.</summary>
    private sealed class DoubleSpelling : ExprSpelling
    {
        public static readonly DoubleSpelling Instance = new();

        private DoubleSpelling() : base("unexpected node ") { }

        protected override string Constant(double value) => Literals.Double(value);

        protected override string Reference(RefExpr r) => r.Kind switch
        {
            Binding.StepSize => "h",
            Binding.StepIndex => "t",
            _ => "@" + r.Name,
        };

        protected override string Function(MathFunction f) => f == MathFunction.Sign ? Core + ".ScalarMath.Sign" : "global::System.Math." + f;
    }

    // ------------------------------------------------------------------ hyperparameters

    private static void WriteHyperparameterMembers(SourceWriter w, OptimizerPlan plan)
    {
        var hs = plan.Model.Hyperparameters;
        w.Open("protected override void ValidateHyperparameters(global::System.ReadOnlySpan<float> values)");
        for (int k = 0; k < hs.Count; k++)
        {
            var h = hs[k];
            if (h.IsFlag) { w.Line(LanguageExtensionsEmitter.Validate(h, k)); continue; }
            w.Line(Core + ".Check.Hyperparameter(values[" + k + "], " + Literals.String(h.PropertyName) + ", " + Literals.Double(h.Min ?? double.NaN) + ", " +
                   Bool(h.MinExclusive) + ", " + Literals.Double(h.Max ?? double.NaN) + ", " + Bool(h.MaxExclusive) + ");");
        }
        w.Close();
        w.Line();
        WriteConditions(w, plan);
        w.Open("protected override void GetHyperparameters(global::System.Span<float> values)");
        for (int i = 0; i < hs.Count; i++) w.Line(LanguageExtensionsEmitter.Get(hs[i], i));
        w.Close();
        w.Line();
        w.Open("protected override void SetHyperparameters(global::System.ReadOnlySpan<float> values)");
        for (int i = 0; i < hs.Count; i++) w.Line(LanguageExtensionsEmitter.Set(hs[i], i));
        w.Close();
        w.Line();
    }

    /// <summary>The [Condition]s, evaluated in double precision, as a static CheckStepConditions that the GPU form calls
    /// too, and the override of OptimizerCore.CheckConditions that calls it.</summary>
    private static void WriteConditions(SourceWriter w, OptimizerPlan plan)
    {
        var m = plan.Model;
        if (m.Conditions.Count == 0) return;
        var taken = new HashSet<string>(m.Hyperparameters.Select(h => h.ParameterName)) { "h" };
        string values = Fresh("values", taken), group = Fresh("group", taken), warnings = Fresh("warnings", taken);
        const string signature = "(global::System.ReadOnlySpan<float> values, string? group, global::System.Collections.Generic.List<global::OdeOpt.HyperparameterWarning> warnings)";
        w.Line("protected override void CheckConditions" + signature + " => CheckStepConditions(values, group, warnings);");
        w.Line();
        w.Line("/// <summary>Adds a warning for every [Condition] the hyperparameter <paramref name=\"" + values + "\"/> (declaration order) violate;");
        w.Line("/// shared by the CPU and GPU forms.</summary>");
        w.Line("[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]");
        w.Open("public static void CheckStepConditions(global::System.ReadOnlySpan<float> " + values + ", string? " + group +
               ", global::System.Collections.Generic.List<global::OdeOpt.HyperparameterWarning> " + warnings + ")");
        var refs = m.Conditions.SelectMany(c => X.Refs(c.Condition)).ToList();
        int stepSize = IndexOf(m.Hyperparameters, h => h.IsStepSize);
        if (refs.Any(r => r.Kind == Binding.StepSize)) w.Line("double h = " + (stepSize < 0 ? "1d" : values + "[" + stepSize + "]") + ";");
        for (int k = 0; k < m.Hyperparameters.Count; k++)
        {
            var h = m.Hyperparameters[k];
            if (!h.IsStepSize && refs.Any(r => r.Kind == Binding.Hyper && r.Name == h.ParameterName))
                w.Line("double @" + h.ParameterName + " = " + values + "[" + k + "]; // " + h.PropertyName);
        }
        foreach (var c in m.Conditions)
        {
            // The values the condition reads, in the order it reads them, by the names it uses.
            var shown = new List<string>();
            foreach (var r in X.Refs(c.Condition))
            {
                string name = r.Kind == Binding.StepSize ? (stepSize < 0 ? "h" : m.Hyperparameters[stepSize].ParameterName) : r.Name;
                if (r.Kind is Binding.StepSize or Binding.Hyper && !shown.Contains(name)) shown.Add(name);
            }
            string pairs = string.Join(", ", shown.Select(n => "new global::System.Collections.Generic.KeyValuePair<string, float>(" + Literals.String(n) + ", (float)" +
                (stepSize >= 0 && n == m.Hyperparameters[stepSize].ParameterName || n == "h" ? "h" : "@" + n) + ")"));
            w.Line("if (!(" + DoubleSpelling.Instance.Write(c.Condition) + "))");
            w.Line("    " + warnings + ".Add(new global::OdeOpt.HyperparameterWarning(" + Literals.String(c.Text) + ", " + (c.Reference is null ? "null" : Literals.String(c.Reference)) +
                   ", new global::System.Collections.Generic.KeyValuePair<string, float>[] { " + pairs + " }, " + group + "));");
        }
        w.Close();
        w.Line();
    }
}
