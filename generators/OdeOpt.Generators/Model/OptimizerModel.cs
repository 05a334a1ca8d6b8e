namespace OdeOpt.Generators.Model;

/// <summary>A Butcher tableau as written: exact entries (row-major A), weights b and abscissae c.</summary>
/// <param name="Stages">s, the number of stages.</param>
/// <param name="A">s*s entries, row-major.</param>
/// <param name="B">s weights.</param>
/// <param name="C">s abscissae as given, or empty when not given (then the row sums of A).</param>
/// <param name="Exact">False when some entry was written as a decimal that may be a rounded irrational.</param>
/// <param name="Text">The attribute's strings, for headers and messages.</param>
/// <param name="Location">The A string (or the attribute), for findings about A and the tableau as a whole.</param>
/// <param name="BLocation">The B string, for findings about the weights.</param>
/// <param name="CLocation">The C string, for findings about the abscissae.</param>
/// <param name="BHat">The embedded weights b-hat (explicit tableau only), or empty.</param>
/// <param name="BHatLocation">The BHat string.</param>
internal sealed record TableauModel(
    int Stages,
    EquatableArray<Rational> A,
    EquatableArray<Rational> B,
    EquatableArray<Rational> C,
    bool Exact,
    string Text,
    LocationInfo? Location,
    LocationInfo? BLocation = null,
    LocationInfo? CLocation = null,
    EquatableArray<Rational> BHat = default,
    LocationInfo? BHatLocation = null)
{
    /// <summary>True when the tableau carries embedded weights (an error estimate for step-size control).</summary>
    public bool HasEmbedded => BHat.Count > 0;

    public Rational this[int row, int column] => A[row * Stages + column];
}

internal sealed record HyperparameterModel(
    string PropertyName,
    string ParameterName,
    double DefaultValue,
    double? Min,
    double? Max,
    bool MinExclusive,
    bool MaxExclusive,
    bool IsStepSize,
    LocationInfo? Location,
    bool IsFlag = false,
    string? Documentation = null);

internal enum RhsPart { Explicit, Implicit }

/// <summary>One part of the right-hand side of a state variable, as the translated body of its method.</summary>
/// <param name="GradientLocation">For an implicit part that reads g: the parameter that reads it (g, or a let that does).</param>
internal sealed record RhsModel(string Variable, RhsPart Part, string MethodName, Expr Body, LocationInfo? Location, LocationInfo? GradientLocation = null);

internal sealed record InitialModel(string Variable, string MethodName, Expr Body, LocationInfo? Location);

/// <summary>A per-step scalar recurrence ([StepScalar]): s_0 = Initial, s_t = Update(s_{t-1}, hyperparameters, h, t),
/// computed on the host in double precision when step t begins. Update reads the previous value as
/// <c>RefExpr(Binding.StepScalar, Name)</c>.</summary>
internal sealed record StepScalarModel(string Name, string MethodName, Expr Update, double Initial, LocationInfo? Location);

/// <summary>What a [Reduction] computes over a group (the values of OdeOpt.ReductionKind).</summary>
internal enum ReductionKind { Norm = 0, Sum = 1, MaxAbs = 2 }

/// <summary>A [Reduction]: a per-group, per-stage scalar, the <paramref name="Kind"/> of <paramref name="Body"/> (a
/// per-element expression bound like a right-hand side) over the group. Bodies read it as
/// <c>RefExpr(Binding.Reduction, Name)</c>.</summary>
internal sealed record ReductionModel(string Name, string MethodName, ReductionKind Kind, Expr Body, LocationInfo? Location);

/// <summary>The affine look-ahead point of [GradientAt]: theta + sum of coefficient * variable.</summary>
internal sealed record GradientAtModel(string Text, Expr Point, LocationInfo? Location);

/// <summary>A [Condition] on the hyperparameters: its text, the translated condition (over hyperparameters and h), and
/// where it comes from.</summary>
internal sealed record ConditionModel(string Text, Expr Condition, string? Reference, LocationInfo? Location);

/// <summary>A member of the optimizer class whose name may be that of a generated pass method, checked against the
/// plan's passes (ODEOPT028).</summary>
internal sealed record MemberNameModel(string Name, string Kind, bool IsHyperparameter, LocationInfo? Location);

/// <summary>Everything the generator needs from one [Optimizer] declaration. Plain values only.</summary>
/// <param name="Location">The class name, for findings about the declaration as a whole.</param>
/// <param name="OrderLocation">The Order argument of [Optimizer], when given.</param>
/// <param name="NameLocation">The name argument of [Optimizer], for a duplicate name.</param>
/// <param name="OdeType">The [Ode] type it discretises (global name), or null when the class declares its own right-hand side.</param>
internal sealed record OptimizerModel(
    string? Namespace,
    string ClassName,
    string Accessibility,
    string Name,
    int? DeclaredOrder,
    TableauModel? Explicit,
    TableauModel? Implicit,
    EquatableArray<HyperparameterModel> Hyperparameters,
    EquatableArray<RhsModel> RightHandSides,
    EquatableArray<InitialModel> Initials,
    GradientAtModel? GradientAt,
    LocationInfo? Location,
    LocationInfo? OrderLocation,
    LocationInfo? NameLocation,
    EquatableArray<StepScalarModel> StepScalars = default,
    EquatableArray<ConditionModel> Conditions = default,
    EquatableArray<MemberNameModel> KernelNameCandidates = default,
    EquatableArray<ReductionModel> Reductions = default,
    string? OdeType = null,
    int? DeclaredEmbeddedOrder = null,
    LocationInfo? EmbeddedOrderLocation = null,
    int StepControl = 0,
    LocationInfo? StepControlLocation = null,
    EquatableArray<StorageModel> Storages = default,
    StorageModel? ParameterStorage = null)
{
    /// <summary>True when the optimizer discretises an [Ode] type: its hyperparameter properties are generated.</summary>
    public bool GeneratesHyperparameters => OdeType is not null;

    public string FullName => Namespace is null ? ClassName : Namespace + "." + ClassName;
}

/// <summary>A <c>[StateStorage(variable, storage)]</c>: <paramref name="Storage"/> is the OdeOpt.StateStorage value;
/// <paramref name="Location"/> the variable's string.</summary>
internal sealed record StorageModel(string Variable, int Storage, LocationInfo? Location);

/// <summary>The result of parsing one declaration: the model (null when parsing could not go on) and the
/// problems found.</summary>
internal sealed record ParseResult(OptimizerModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);
