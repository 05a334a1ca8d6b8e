namespace OdeOpt.Generators.Model;

/// <summary>A per-step uniform: a sub-expression that depends only on hyperparameters, h and t, computed
/// once per step in double precision and broadcast to the element loop.</summary>
internal sealed record UniformPlan(string Name, Expr Definition);

/// <summary>Where a kernel reads or writes: the parameter buffer, the gradient, the iterate output, or a
/// persistent state array (slot &gt;= 0).</summary>
internal static class Slots
{
    public const int Parameters = -1;
    public const int Gradient = -2;
    public const int Output = -3;
}

/// <summary>Names the emitted element loop declares itself (the index, the bound and the SIMD type parameter);
/// the planner never gives a kernel local one of them.</summary>
internal static class KernelNames
{
    public const string Index = "i";
    public const string End = "end";
    public const string Simd = "V";
    public static readonly string[] Reserved = { Index, End, Simd };
}

internal sealed record KernelLoad(string Local, int Slot);

internal sealed record KernelStatement(string Local, Expr Value);

internal sealed record KernelStore(int Slot, string Local);

/// <summary>One fused pass over memory: loads, straight-line per-element statements, stores.</summary>
/// <param name="Name">Method-name suffix.</param>
/// <param name="Description">What the pass computes, for the generated comment.</param>
/// <param name="BeginsStep">Whether the pass begins a new step (t advances; uniforms are recomputed).</param>
/// <param name="Conditions">The per-step conditions the pass tests in its loop (flags, <c>t == 1</c>, <c>momentum &gt; 0</c>,
/// ...), when it has one specialized body per assignment of them (see
/// <see cref="OdeOpt.Generators.Analysis.KernelSpecializer"/>); empty otherwise.</param>
/// <param name="Variants">One specialized body per assignment of <paramref name="Conditions"/> (key bit i = value of condition i);
/// the unspecialized body above stays valid for any values.</param>
internal sealed record KernelPlan(
    string Name,
    string Description,
    bool BeginsStep,
    EquatableArray<KernelLoad> Loads,
    EquatableArray<KernelStatement> Statements,
    EquatableArray<KernelStore> Stores,
    EquatableArray<StepCondition> Conditions = default,
    EquatableArray<KernelVariant> Variants = default,
    ReductionPlan? Reduce = null);

/// <summary>One reduction a pass reads: the uniforms field its per-segment value is written into, what is computed, and
/// the local of the reduction pass that holds the per-element value.</summary>
internal sealed record ReductionTerm(string Field, ReductionKind Kind, string Local, string Description);

/// <summary>The read-only pass that runs over a segment before the pass that carries it: straight-line per-element code
/// (over the same loads and uniforms as the pass) whose <paramref name="Terms"/> are accumulated in double precision in
/// fixed blocks, combined in a fixed order and written into the segment's uniforms for the pass (Binding.Reduction).</summary>
internal sealed record ReductionPlan(
    EquatableArray<KernelLoad> Loads,
    EquatableArray<KernelStatement> Statements,
    EquatableArray<ReductionTerm> Terms);

/// <summary>A comparison the element loop makes between per-step values only (a flag against 0, <c>t == 1</c>,
/// <c>rho_t &gt; 5</c>): the same for every element of a step. Its operands are uniforms of the step the pass reads them
/// for (<see cref="Binding.Uniform"/>, <see cref="Binding.PrevUniform"/>, <see cref="Binding.NextUniform"/>) and
/// constants. <paramref name="Text"/> describes it with the uniforms' definitions.</summary>
internal sealed record StepCondition(Expr Condition, string Text);

/// <summary>A pass body specialized for one assignment of its per-step conditions: the conditions folded, values the
/// assignment leaves unchanged neither loaded nor stored.</summary>
internal sealed record KernelVariant(
    int Key,
    EquatableArray<KernelLoad> Loads,
    EquatableArray<KernelStatement> Statements,
    EquatableArray<KernelStore> Stores);

/// <summary>What a persistent array holds at one boundary between passes.</summary>
internal sealed record SlotContent(int Slot, string Description);

/// <summary>The layout of the persistent arrays at one boundary between passes.</summary>
internal sealed record BoundaryPlan(string Description, EquatableArray<SlotContent> Slots);

/// <summary>What the tableau analysis found: the order the pair has, its linear stability.</summary>
/// <param name="Order">The largest order whose conditions all hold (coupling conditions included for a pair).</param>
/// <param name="MaxCheckedOrder">The highest order the analysis checks (4 for one tableau, 3 for a pair).</param>
/// <param name="StabilityBound">Largest beta with |R(x)| &lt;= 1 on [-beta, 0] for the explicit tableau.</param>
/// <param name="HasImplicitPart">Whether the scheme has an implicit part (then the next two apply).</param>
/// <param name="ImplicitAStable">The implicit tableau's stability function is bounded by 1 on the left half-plane.</param>
/// <param name="ImplicitLStable">A-stable and R(infinity) = 0.</param>
/// <param name="EmbeddedOrder">The order of the embedded weights b-hat, or 0 when the tableau has none.</param>
internal sealed record SchemeProperties(int Order, int MaxCheckedOrder, double StabilityBound, bool HasImplicitPart, bool ImplicitAStable, bool ImplicitLStable, int EmbeddedOrder = 0);

/// <summary>Everything the emitters need: the declaration and the derived plan. Plain values only.</summary>
/// <param name="Model">The parsed declaration.</param>
/// <param name="Stages">s.</param>
/// <param name="GradientStages">The 1-based stages that need a gradient.</param>
/// <param name="FirstSameAsLast">Whether the last gradient of a step is reused as the next step's first.</param>
/// <param name="GradientEvaluationsPerStep">Gradients per step in steady state.</param>
/// <param name="StateVariables">theta first, then the other state variables.</param>
/// <param name="ArrayCount">Persistent arrays of ParameterCount floats each.</param>
/// <param name="Uniforms">Per-step hoisted values.</param>
/// <param name="Kernels">All passes.</param>
/// <param name="StartKernel">For first-same-as-last schemes, the pass that begins the very first step; otherwise -1.</param>
/// <param name="Cycle">The passes of one steady step, in order (indices into Kernels).</param>
/// <param name="InitKernel">The pass that sets [Initial] values from the first gradient, or -1.</param>
/// <param name="IterateKernels">For each cycle position, the pass that recovers theta into the output; empty when
/// the parameter buffer is theta itself.</param>
/// <param name="IterateAtStartKernel">The recovery pass before the first step of a first-same-as-last scheme, or -1.</param>
/// <param name="Boundaries">Array layouts, for the header: the step start, then each cycle position.</param>
/// <param name="BytesPerParameter">Bytes read and written per parameter in one steady step.</param>
/// <param name="Properties">Order and stability from the tableau analysis.</param>
/// <param name="Rollback">The undo of a step of several passes: the pass that copies (index into Kernels, or -1), the
/// slots its rollback arrays keep, the bytes the copy adds, the arrays dead between steps (see
/// <see cref="OdeOpt.Generators.Analysis.RollbackPlanner"/>).</param>
/// <param name="Staged">The staged form's program, for schemes that solve or choose their step.</param>
/// <param name="BFloat16Arrays">The state arrays (bit k) stored as bfloat16 ([StateStorage]).</param>
/// <param name="HalfArrays">The state arrays (bit k) stored as IEEE binary16 ([StateStorage]).</param>
/// <param name="BFloat16ParameterBytes">With [ParameterStorage]: the bytes per parameter of a step over bfloat16
/// parameter and gradient buffers (the plan then also emits that step form); 0 without.</param>
internal sealed record OptimizerPlan(
    OptimizerModel Model,
    int Stages,
    EquatableArray<int> GradientStages,
    bool FirstSameAsLast,
    int GradientEvaluationsPerStep,
    EquatableArray<string> StateVariables,
    int ArrayCount,
    EquatableArray<UniformPlan> Uniforms,
    EquatableArray<KernelPlan> Kernels,
    int StartKernel,
    EquatableArray<int> Cycle,
    int InitKernel,
    EquatableArray<int> IterateKernels,
    int IterateAtStartKernel,
    EquatableArray<BoundaryPlan> Boundaries,
    int BytesPerParameter,
    SchemeProperties Properties,
    RollbackLayout Rollback,
    OdeOpt.Generators.Analysis.StagedPlan? Staged = null,
    int BFloat16Arrays = 0,
    int HalfArrays = 0,
    int BFloat16ParameterBytes = 0);

/// <summary>The undo of a step in the plan: <paramref name="Kernel"/> (index into the kernels, or -1) is the first pass of
/// a steady step that also copies the step-begin value of each target (-1 the parameters, k state array k) into rollback
/// array i (slot ArrayCount + i); <paramref name="ExtraBytes"/> per parameter; <paramref name="StepLocal"/> the state
/// arrays (bit k) that hold nothing between steps.</summary>
internal sealed record RollbackLayout(int Kernel, EquatableArray<int> Targets, int ExtraBytes, int StepLocal)
{
    public static readonly RollbackLayout None = new(-1, EquatableArray<int>.Empty, 0, 0);
}

/// <summary>The analysis result: a plan when the declaration is sound, and the problems found.</summary>
internal sealed record AnalysisResult(OptimizerPlan? Plan, EquatableArray<DiagnosticInfo> Diagnostics);
