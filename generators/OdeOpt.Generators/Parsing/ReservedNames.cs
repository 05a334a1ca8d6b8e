using System;
using System.Collections.Generic;
using System.Linq;

namespace OdeOpt.Generators.Parsing;

/// <summary>
/// The member names an optimizer class cannot use because the generated code declares or inherits them (ODEOPT028).
/// Without this check a hyperparameter called <c>Info</c> or <c>Previous</c> would be a C# error inside the generated
/// file, and one called <c>Reset</c> would hide <see cref="T:OdeOpt.IOptimizer"/>'s member.
/// </summary>
/// <remarks>Tests check the inherited lists against the runtime types by reflection (OptimizerCore in
/// OdeOpt.Generators.Tests, GpuOptimizerCore in OdeOpt.Gpu.Tests), so a new runtime member cannot be forgotten here.
/// Members of <see cref="object"/> are not listed: overriding <c>ToString</c> is fine, and hiding one is the compiler's
/// own warning in the user's file.</remarks>
internal static class ReservedNames
{
    /// <summary>Declared by the generated CPU form in the optimizer class itself (pass names aside: see <see cref="KernelMembers"/>).</summary>
    public static readonly string[] Generated =
    {
        "Info", "StaticInfo", "StepUniforms", "ComputeStepUniforms", "ComputeUniforms", "Step", "RunPass", "ValidateHyperparameters",
        "GetHyperparameters", "SetHyperparameters", "HasStepScalars", "CheckConditions", "CheckStepConditions", "s_layout",
    };

    /// <summary>The public and protected members of OdeOpt.Runtime.OptimizerCore, the generated class's base, with those of
    /// the interfaces it implements.</summary>
    public static readonly string[] Inherited =
    {
        "ParameterCount", "StepCount", "Groups", "SkippedSteps", "LastGradientNorm", "MaxDegreeOfParallelism",
        "GradientClipNorm", "GradientClipValue", "NonFiniteGradients", "ValidateHyperparameters", "ComputeUniforms",
        "HasStepScalars", "RunPass", "GetHyperparameters", "SetHyperparameters", "ParameterRef", "GradientRef", "OutputRef",
        "StateRef", "ArraysTouched", "Previous", "Current", "Next", "GradientScale", "GradientLimit", "GetHyperparameter", "SetHyperparameter",
        "SetSchedule", "GetSchedule", "GetEffectiveHyperparameter", "StepWithGradient", "Step", "GetIterate", "Reset",
        "SaveState", "LoadState", "Validate", "CheckConditions", "Info", "StaticInfo", "RollbackFailedSteps",
        "ReductionCount", "Reduce", "ApplyReductions", "Statistics", "NonConvergence", "StateRef16", "StateView16", "StochasticRoundingSeed", "BFloat16Buffers", "ParameterRef16", "GradientRef16", "RoundingKey0", "RoundingKey1", "StepWithBFloat16Gradient",
    };

    /// <summary>Declared or inherited by the GPU form <c>XGpu</c> (OdeOpt.Gpu.GpuOptimizerCore), which repeats the
    /// hyperparameter properties: a hyperparameter may not use these either.</summary>
    public static readonly string[] Gpu =
    {
        "Info", "StaticInfo", "Views", "CreateViews", "ComputeUniforms", "StateView", "Hyperparameter", "Accelerator", "Stream",
        "StateView16", "ParameterView16", "GradientView16", "StochasticRoundingSeed", "StepWithBFloat16Gradient", "s_kernels16",
        "ParameterCount", "StepCount", "GradientClipValue", "GetHyperparameter", "SetHyperparameter", "SetSchedule",
        "GetSchedule", "StepWithGradient", "Step", "GetIterate", "Reset", "SaveState", "LoadState", "Dispose", "MaxParameterCount", "s_layout",
        "s_kernels", "RollbackFailedSteps", "Groups", "Validate", "CheckConditions", "GetEffectiveHyperparameter",
        "GradientClipNorm", "NonFiniteGradients", "SkippedSteps", "LastGradientNorm", "ArraysTouched",
    };

    /// <summary>The names among <see cref="Generated"/> and <see cref="Inherited"/> that are not methods (properties,
    /// fields, types). A method of the optimizer class may overload a generated or inherited method (the DSL's methods take
    /// floats, so their signatures differ), but cannot share a name with anything else.</summary>
    public static readonly string[] NonMethods =
    {
        "Info", "StaticInfo", "StepUniforms", "s_layout", "HasStepScalars", "ParameterCount", "StepCount", "Groups", "SkippedSteps",
        "LastGradientNorm", "MaxDegreeOfParallelism", "GradientClipNorm", "GradientClipValue", "NonFiniteGradients",
        "ParameterRef", "GradientRef", "OutputRef", "Previous", "Current", "Next", "GradientScale", "GradientLimit",
        "RollbackFailedSteps", "Statistics", "NonConvergence", "StochasticRoundingSeed", "BFloat16Buffers", "ParameterRef16",
        "GradientRef16", "RoundingKey0", "RoundingKey1",
    };

    /// <summary>Inherited methods without parameters: a parameterless method of that name would hide them.</summary>
    public static readonly string[] ParameterlessMethods = { "Reset", "Validate" };

    private static readonly HashSet<string> s_class = new(Generated.Concat(Inherited), StringComparer.Ordinal);
    private static readonly HashSet<string> s_nonMethods = new(NonMethods, StringComparer.Ordinal);
    private static readonly HashSet<string> s_gpu = new(Gpu, StringComparer.Ordinal);

    /// <summary>What <paramref name="name"/> is in the generated code, or null when a member of the optimizer class may
    /// use it.</summary>
    /// <param name="name">The member's name.</param>
    /// <param name="isMethod">Whether the member is a method; otherwise a property, field, event or type.</param>
    /// <param name="parameterCount">A method's number of parameters.</param>
    /// <param name="isHyperparameter">Whether the member is a hyperparameter property (repeated in the GPU form).</param>
    public static string? Conflict(string name, bool isMethod, int parameterCount, bool isHyperparameter)
    {
        if (!s_class.Contains(name) && !(isHyperparameter && s_gpu.Contains(name))) return null;
        if (isMethod && !s_nonMethods.Contains(name) && !(parameterCount == 0 && Array.IndexOf(ParameterlessMethods, name) >= 0)) return null;
        if (s_class.Contains(name))
            return Array.IndexOf(Generated, name) >= 0 ? "a member the generator adds to the optimizer class" : "a member every optimizer inherits from OdeOpt.Runtime.OptimizerCore";
        return "a member of the optimizer's GPU form";
    }

    /// <summary>The generated names of the methods of one pass (<c>Pass1</c>, <c>Pass1Loop</c>, <c>Pass1Variant</c>,
    /// <c>Pass1V3Loop</c>; <c>Pass1Kernel</c> in the GPU form).</summary>
    public static bool IsKernelMember(string member, string kernel, bool isHyperparameter)
    {
        if (!member.StartsWith(kernel, StringComparison.Ordinal)) return false;
        string rest = member.Substring(kernel.Length);
        if (rest.Length == 0 || rest == "Loop" || rest == "Variant" || rest == "Reduce" || rest == "ReduceLoop") return true;
        if (isHyperparameter && rest == "Kernel") return true;
        return rest.Length > 5 && rest[0] == 'V' && rest.EndsWith("Loop", StringComparison.Ordinal) && rest.Substring(1, rest.Length - 5).All(char.IsDigit);
    }

    /// <summary>Whether <paramref name="name"/> can be the name of a pass method at all (so that only such members are
    /// carried in the model for the check after planning).</summary>
    public static bool MayBeKernelMember(string name) =>
        name.StartsWith("Pass", StringComparison.Ordinal) || name.StartsWith("Start", StringComparison.Ordinal) ||
        name.StartsWith("FinishAndStart", StringComparison.Ordinal) || name.StartsWith("Initialize", StringComparison.Ordinal) ||
        name.StartsWith("Iterate", StringComparison.Ordinal);
}
