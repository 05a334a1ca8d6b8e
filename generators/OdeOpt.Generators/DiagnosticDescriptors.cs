using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace OdeOpt.Generators;

/// <summary>Every diagnostic the generator reports. Ids are stable and documented in docs/diagnostics.md.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "OdeOpt";
    private const string HelpBase = "https://github.com/odeopt/odeopt/blob/main/docs/diagnostics.md#";

    private static readonly Dictionary<string, DiagnosticDescriptor> s_byId = new();

    private static DiagnosticDescriptor Error(string id, string title, string message) => Add(id, title, message, DiagnosticSeverity.Error);
    private static DiagnosticDescriptor Warning(string id, string title, string message) => Add(id, title, message, DiagnosticSeverity.Warning);

    private static DiagnosticDescriptor Add(string id, string title, string message, DiagnosticSeverity severity)
    {
        var d = new DiagnosticDescriptor(id, title, message, Category, severity, isEnabledByDefault: true, helpLinkUri: HelpBase + id.ToLowerInvariant());
        s_byId[id] = d;
        return d;
    }

    public static DiagnosticDescriptor ById(string id) => s_byId[id];

    public static IEnumerable<DiagnosticDescriptor> All => s_byId.Values;

    public static readonly DiagnosticDescriptor NotPartial = Error("ODEOPT001",
        "Optimizer class must be partial",
        "The optimizer class '{0}' must be declared partial so that the generator can add its kernels");

    public static readonly DiagnosticDescriptor TableauParseError = Error("ODEOPT002",
        "Malformed tableau",
        "The {0} could not be parsed: {1}");

    public static readonly DiagnosticDescriptor TableauShape = Error("ODEOPT003",
        "Tableau has the wrong shape",
        "The {0} has the wrong shape: {1}");

    public static readonly DiagnosticDescriptor ExplicitNotStrictlyLower = Error("ODEOPT004",
        "Explicit A must be strictly lower triangular",
        "The explicit tableau's A must be strictly lower triangular, but A[{0},{1}] = {2}");

    public static readonly DiagnosticDescriptor ImplicitNotLower = Error("ODEOPT005",
        "Implicit A must be lower triangular",
        "The implicit tableau's A must be lower triangular (diagonally implicit), but A[{0},{1}] = {2}");

    public static readonly DiagnosticDescriptor StageMismatch = Error("ODEOPT006",
        "Explicit and implicit tableaux differ in stage count",
        "The explicit tableau has {0} stages but the implicit tableau has {1}; an IMEX pair shares its stages");

    public static readonly DiagnosticDescriptor ImplicitUsesGradient = Error("ODEOPT007",
        "Implicit part reads the gradient where it cannot be solved",
        "The implicit part of '{0}' reads the gradient g, which makes its stage a nonlinear solve, and {1}");

    public static readonly DiagnosticDescriptor ImplicitNotAffine = Error("ODEOPT008",
        "Implicit self-dependence is not affine",
        "The implicit part of '{0}' depends on '{0}' in a way that is not affine ({1}); only a*{0} + b, with a and b free of '{0}', is solved in closed form");

    public static readonly DiagnosticDescriptor UnboundParameter = Error("ODEOPT009",
        "Parameter binds to nothing",
        "Parameter '{0}' of '{1}' binds to nothing: a parameter must be named after a state variable ({2}), g, h, t or a hyperparameter in camelCase ({3})");

    public static readonly DiagnosticDescriptor UnsupportedConstruct = Error("ODEOPT010",
        "Unsupported construct in a right-hand-side body",
        "{0} is not supported in a right-hand-side body: {1}");

    public static readonly DiagnosticDescriptor NoThetaRhs = Error("ODEOPT011",
        "No right-hand side for theta",
        "The optimizer '{0}' has no right-hand side for theta, the parameter vector: declare an [Explicit(\"theta\")] or [Implicit(\"theta\")] method");

    public static readonly DiagnosticDescriptor MissingTableau = Error("ODEOPT012",
        "Missing or conflicting tableau",
        "{0}");

    public static readonly DiagnosticDescriptor InvalidRhsMethod = Error("ODEOPT013",
        "Invalid right-hand-side method",
        "The method '{0}' {1}");

    public static readonly DiagnosticDescriptor CyclicImplicit = Error("ODEOPT014",
        "Cyclic implicit dependency within a stage",
        "The implicit parts depend on each other within stage {0} ({1}); a diagonally implicit stage must be solvable one variable at a time");

    public static readonly DiagnosticDescriptor DuplicatePart = Error("ODEOPT015",
        "A variable has two parts of the same kind",
        "'{0}' has more than one {1} part ('{2}' and '{3}'); combine them into one method");

    public static readonly DiagnosticDescriptor MultipleStepSize = Error("ODEOPT016",
        "More than one [StepSize]",
        "At most one hyperparameter may carry [StepSize]; found '{0}' and '{1}'");

    public static readonly DiagnosticDescriptor InvalidHyperparameter = Error("ODEOPT017",
        "Invalid hyperparameter",
        "The hyperparameter '{0}' {1}");

    public static readonly DiagnosticDescriptor InvalidInitial = Error("ODEOPT018",
        "Invalid [Initial] method",
        "The [Initial] method '{0}' {1}");

    public static readonly DiagnosticDescriptor InvalidGradientAt = Error("ODEOPT019",
        "Invalid [GradientAt] point",
        "[GradientAt(\"{0}\")] {1}");

    public static readonly DiagnosticDescriptor UnsupportedFirstPoint = Error("ODEOPT020",
        "The first gradient point of a step is not supported",
        "{0}");

    public static readonly DiagnosticDescriptor DuplicateOptimizerName = Error("ODEOPT021",
        "Duplicate optimizer name",
        "The optimizer name '{0}' is used by both '{1}' and '{2}'; names must be unique in an assembly");

    public static readonly DiagnosticDescriptor InvalidOptimizerClass = Error("ODEOPT022",
        "Invalid optimizer class",
        "The optimizer class '{0}' {1}");

    public static readonly DiagnosticDescriptor NameConflict = Error("ODEOPT023",
        "Name used twice",
        "'{0}' is both {1} and {2}; rename one of them");

    public static readonly DiagnosticDescriptor NoGradientUsed = Error("ODEOPT024",
        "The scheme never reads the gradient",
        "No explicit part that the scheme '{0}' uses reads the gradient g, so the optimizer would never look at the loss");

    public static readonly DiagnosticDescriptor InvalidVariableName = Error("ODEOPT025",
        "Invalid state variable name",
        "'{0}' {1}");

    public static readonly DiagnosticDescriptor InvalidStepScalar = Error("ODEOPT026",
        "Invalid [StepScalar]",
        "The step scalar '{0}' {1}");

    public static readonly DiagnosticDescriptor InvalidFlag = Error("ODEOPT027",
        "Flag hyperparameter misused",
        "{0}");

    public static readonly DiagnosticDescriptor ReservedMemberName = Error("ODEOPT028",
        "Member name used by the generated code",
        "The {0} '{1}' has the name of {2}; rename it");

    public static readonly DiagnosticDescriptor InvalidCondition = Error("ODEOPT029",
        "Invalid [Condition]",
        "[Condition(\"{0}\")] {1}");

    public static readonly DiagnosticDescriptor InvalidLet = Error("ODEOPT030",
        "Invalid [Let]",
        "[Let(\"{0}\")] {1}");

    public static readonly DiagnosticDescriptor InvalidUpdate = Error("ODEOPT031",
        "Invalid [Update]",
        "[Update(\"{0}\")] on '{1}' {2}");

    public static readonly DiagnosticDescriptor InvalidOde = Error("ODEOPT032",
        "Invalid [Ode] or use of one",
        "{0}");

    public static readonly DiagnosticDescriptor UnreadableOde = Error("ODEOPT033",
        "The ODE of a referenced assembly cannot be read",
        "The ODE '{0}' in assembly '{1}' cannot be read: {2}");

    public static readonly DiagnosticDescriptor OrderNotReached = Error("ODEOPT040",
        "The pair does not have the declared order",
        "The optimizer '{0}' declares Order = {1}, but its tableau pair has order {2}: the condition {3}");

    public static readonly DiagnosticDescriptor OrderNotCheckable = Error("ODEOPT041",
        "Declared order cannot be checked",
        "Order = {0} cannot be checked: OdeOpt checks orders 1 to {1} for {2}; the pair has order {3}");

    public static readonly DiagnosticDescriptor InvalidEmbedded = Error("ODEOPT044",
        "Embedded weights give no error estimate",
        "The optimizer '{0}' {1}");

    public static readonly DiagnosticDescriptor EmbeddedOrderNotReached = Error("ODEOPT045",
        "The embedded weights do not have the declared order",
        "The optimizer '{0}' declares EmbeddedOrder = {1}, but its embedded weights have order {2}: the condition {3}");

    public static readonly DiagnosticDescriptor InvalidStepControl = Error("ODEOPT046",
        "Step-size control cannot be attached",
        "The optimizer '{0}' declares StepControl = {1}, but {2}");

    public static readonly DiagnosticDescriptor InvalidStateStorage = Error("ODEOPT047",
        "Invalid [StateStorage]",
        "[StateStorage(\"{0}\", ...)] on '{1}': {2}");

    public static readonly DiagnosticDescriptor InvalidParameterStorage = Error("ODEOPT048",
        "Invalid [ParameterStorage]",
        "[ParameterStorage] on '{0}': {1}");

    public static readonly DiagnosticDescriptor WeightsNotConsistent = Warning("ODEOPT042",
        "Weights do not sum to 1",
        "The {0} tableau's weights B sum to {1}, not 1: the scheme is not consistent (it does not converge to the ODE)");

    public static readonly DiagnosticDescriptor AbscissaeNotRowSums = Error("ODEOPT043",
        "C is not the row sums of A",
        "The {0} tableau's C[{1}] = {2}, but row {1} of A sums to {3}; OdeOpt's right-hand sides are autonomous, so C must be the row sums of A (or be left out)");

    public static readonly DiagnosticDescriptor InvalidReduction = Error("ODEOPT050",
        "Invalid [Reduction]",
        "The reduction '{0}' {1}");

    public static readonly DiagnosticDescriptor NestedReduction = Error("ODEOPT051",
        "A reduction reads a reduction",
        "The reduction '{0}' reads the reduction '{1}'; a reduction's body may read g, state variables, hyperparameters, h, t and step scalars, not another reduction (each level would need a pass of its own): write the inner reduction's expression into a body that reads its value instead");

    public static readonly DiagnosticDescriptor UnsupportedReductionUse = Error("ODEOPT052",
        "Reduction used where the plan cannot compute it",
        "The reduction '{0}' cannot be computed where it is read: {1}");

    public static readonly DiagnosticDescriptor UnusedReduction = Warning("ODEOPT053",
        "Reduction never read",
        "No explicit or implicit part reads the reduction '{0}', so it is never computed; remove it or name a float parameter of a body after it");

    public static readonly DiagnosticDescriptor UnreadablePlanMetadata = Warning("ODEOPT060",
        "No GPU form for a referenced optimizer",
        "No GPU form is generated for the optimizer '{0}' from the assembly '{1}': {2}. Rebuild '{1}' with this version of OdeOpt.");

    public static readonly DiagnosticDescriptor InternalError = Error("ODEOPT099",
        "Internal generator error",
        "The OdeOpt generator failed on '{0}': {1}. This is a bug in OdeOpt; please report it with the declaration.");
}
