using System.Linq;

namespace OdeOpt.Generators.Model;

/// <summary>A hyperparameter as the GPU form needs it: the property it exposes and the name uniforms read it by.
/// Ranges and defaults come from the CPU form's <c>Info</c> at run time.</summary>
internal sealed record GpuHyperparameter(string PropertyName, string ParameterName, bool IsStepSize, bool IsFlag = false);

/// <summary>
/// What the ILGPU emitter needs to write the GPU form of one optimizer: the CPU form's type, its per-step uniforms,
/// its passes (exactly the CPU plan) and the pass layout. Built from an <see cref="OptimizerPlan"/> of this
/// compilation, or read back from the <c>[assembly: OptimizerPlan]</c> metadata of a referenced assembly. Plain
/// values only.
/// </summary>
/// <param name="Namespace">The CPU form's namespace, or null for the global namespace.</param>
/// <param name="ClassName">The CPU form's class name; the GPU form is <c>ClassName + "Gpu"</c> in the same namespace.</param>
/// <param name="Name">The registry name.</param>
/// <param name="IsPublic">Whether the CPU form (and so the GPU form) is public.</param>
internal sealed record GpuPlan(
    string? Namespace,
    string ClassName,
    string Name,
    bool IsPublic,
    int GradientEvaluationsPerStep,
    int ArrayCount,
    int BytesPerParameter,
    EquatableArray<GpuHyperparameter> Hyperparameters,
    EquatableArray<UniformPlan> Uniforms,
    EquatableArray<KernelPlan> Kernels,
    int StartKernel,
    EquatableArray<int> Cycle,
    int InitKernel,
    EquatableArray<int> IterateKernels,
    int IterateAtStartKernel,
    bool HasConditions = false,
    RollbackLayout? Rollback = null,
    int BFloat16Arrays = 0,
    int HalfArrays = 0,
    int BFloat16ParameterBytes = 0)
{
    /// <summary>The undo of a step (none from metadata before format 3).</summary>
    public RollbackLayout Undo => Rollback ?? RollbackLayout.None;

    /// <summary>State arrays and rollback arrays: the views a kernel may take.</summary>
    public int ViewArrayCount => ArrayCount + Undo.Targets.Count;

    public string FullName => Namespace is null ? ClassName : Namespace + "." + ClassName;

    public static GpuPlan From(OptimizerPlan plan)
    {
        var m = plan.Model;
        return new GpuPlan(
            m.Namespace,
            m.ClassName,
            m.Name,
            m.Accessibility == "public",
            plan.GradientEvaluationsPerStep,
            plan.ArrayCount,
            plan.BytesPerParameter,
            m.Hyperparameters.Select(h => new GpuHyperparameter(h.PropertyName, h.ParameterName, h.IsStepSize, h.IsFlag)).ToEquatableArray(),
            plan.Uniforms,
            plan.Kernels,
            plan.StartKernel,
            plan.Cycle,
            plan.InitKernel,
            plan.IterateKernels,
            plan.IterateAtStartKernel,
            m.Conditions.Count > 0,
            plan.Rollback,
            plan.BFloat16Arrays,
            plan.HalfArrays,
            plan.BFloat16ParameterBytes);
    }
}

/// <summary>What the compilation offers the GPU path: whether GPU forms can be compiled here (ILGPU and the
/// OdeOpt.Gpu runtime are referenced), and the plans of optimizers declared in referenced assemblies that have no GPU
/// form yet.</summary>
internal sealed record GpuTarget(bool Enabled, EquatableArray<GpuPlan> ReferencedPlans, EquatableArray<DiagnosticInfo> Diagnostics)
{
    public static readonly GpuTarget Disabled = new(false, EquatableArray<GpuPlan>.Empty, EquatableArray<DiagnosticInfo>.Empty);
}

/// <summary>The text format of the plan metadata (<c>[assembly: OdeOpt.Runtime.OptimizerPlan]</c>): written by
/// <c>Emit.PlanMetadataWriter</c>, read by <c>Parsing.PlanMetadataReader</c>.</summary>
internal static class PlanFormat
{
    /// <summary>Bumped whenever the text changes meaning; a reader refuses other versions (ODEOPT060).</summary>
    public const int Version = 5;

    /// <summary>The oldest version a reader still takes (version 1 has no per-flag variants: its passes touch every
    /// array they name; before version 3 no record says that the CPU form has [Condition]s, so a GPU form emitted from it
    /// cannot check them and its Validate() says so).</summary>
    public const int OldestVersion = 1;
    public const string Header = "odeopt-plan";
    public const string AttributeMetadataName = "OdeOpt.Runtime.OptimizerPlanAttribute";
}
