using System.Collections.Generic;
using System.Linq;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Emit;

/// <summary>
/// The C# for flags and step scalars (see <see cref="Parsing.LanguageExtensions"/>), kept out of <see cref="CpuEmitter"/>.
/// <para>A step scalar lives in the per-step uniform struct as a double field <c>S_name</c>: each segment of the
/// parameter buffer carries its own uniforms, so each parameter group runs its own recurrence, and the value is saved
/// with the uniforms in the optimizer state. The runtime passes the previous step's uniforms of the same parameters to
/// <c>ComputeUniforms(t, values, in previous)</c>.</para>
/// </summary>
internal static class LanguageExtensionsEmitter
{
    private const string Core = "global::OdeOpt.Runtime";

    public static string Field(StepScalarModel s) => "S_" + s.Name;

    /// <summary>The uniform-struct fields holding each scalar's value at the step.</summary>
    public static void WriteFields(SourceWriter w, OptimizerModel m)
    {
        foreach (var s in m.StepScalars)
            w.Line("public double " + Field(s) + "; // step scalar " + s.Name + " (" + s.MethodName + "), s_0 = " + Literals.Double(s.Initial));
    }

    /// <summary>References read by the scalar updates (so that their hyperparameters, h and t are declared).</summary>
    public static IEnumerable<RefExpr> UpdateRefs(OptimizerModel m) => m.StepScalars.SelectMany(s => X.Refs(s.Update));

    /// <summary>For optimizers with step scalars: the flag for the runtime and the two-argument form, which has no previous
    /// step at hand and runs the recurrences from step 1 with the given values.</summary>
    public static void WriteScalarMembers(SourceWriter w, OptimizerModel m)
    {
        if (m.StepScalars.Count == 0) return;
        w.Line("protected override bool HasStepScalars => true;");
        w.Line();
        w.Line("/// <summary>Without the previous step's values, runs the step-scalar recurrences from step 1 with <paramref name=\"values\"/>");
        w.Line("/// (exact when the hyperparameters did not change; O(step)). The runtime uses the three-argument form.</summary>");
        w.Open("protected override StepUniforms ComputeUniforms(long step, global::System.ReadOnlySpan<float> values)");
        w.Line("StepUniforms u = default;");
        w.Line("for (long k = 1; k <= step; k++) u = ComputeUniforms(k, values, in u);");
        w.Line("return u;");
        w.Close();
        w.Line();
    }

    /// <summary>The signature of ComputeUniforms: with step scalars it reads the previous step's uniforms.</summary>
    public static string ComputeUniformsSignature(OptimizerModel m) => m.StepScalars.Count == 0
        ? "protected override StepUniforms ComputeUniforms(long step, global::System.ReadOnlySpan<float> values)"
        : "protected override StepUniforms ComputeUniforms(long step, global::System.ReadOnlySpan<float> values, in StepUniforms previous)";

    /// <summary>s_t = F(s_{t-1}, ...), in double, before the uniforms that read it.</summary>
    public static void WriteUpdates(SourceWriter w, OptimizerModel m, System.Func<Expr, string> doubleExpr, string step, string previous)
    {
        foreach (var s in m.StepScalars)
        {
            w.Line("double @" + s.Name + " = " + step + " <= 1 ? " + Literals.Double(s.Initial) + " : " + previous + "." + Field(s) + "; // s_{t-1}");
            w.Line("@" + s.Name + " = " + doubleExpr(s.Update) + "; // s_t");
        }
    }

    public static void WriteStores(SourceWriter w, OptimizerModel m, string result)
    {
        foreach (var s in m.StepScalars) w.Line(result + "." + Field(s) + " = @" + s.Name + ";");
    }

    // ------------------------------------------------------------------ flags

    public static string InfoSuffix(HyperparameterModel h) => h.IsFlag ? ", IsFlag = true" : "";

    public static string Validate(HyperparameterModel h, int index) =>
        Core + ".Check.Flag(values[" + index + "], " + Literals.String(h.PropertyName) + ");";

    public static string Get(HyperparameterModel h, int index) =>
        "values[" + index + "] = this." + h.PropertyName + (h.IsFlag ? " ? 1f : 0f;" : ";");

    public static string Set(HyperparameterModel h, int index) =>
        "this." + h.PropertyName + " = values[" + index + "]" + (h.IsFlag ? " != 0f;" : ";");
}
