// The names of the generated hyperparameters of a staged scheme (the step-size controllers' and the implicit solver's
// knobs). One file compiled into two assemblies: the runtime, whose staged step reads the knobs by these names, and the
// generator (linked in OdeOpt.Generators.csproj), which declares them; so the two agree by construction.
namespace OdeOpt.Runtime;

/// <summary>The names of the generated hyperparameters a staged scheme's controller and solver read (the generator
/// declares them with these names, ranges and defaults: docs/dsl.md, generators/.../Analysis/Knobs.cs).</summary>
internal static class StagedKnobs
{
    public const string AbsoluteTolerance = "AbsoluteTolerance";
    public const string RelativeTolerance = "RelativeTolerance";
    public const string Safety = "Safety";
    public const string MinFactor = "MinFactor";
    public const string MaxFactor = "MaxFactor";
    public const string PiBeta = "PiBeta";
    public const string MaxRejections = "MaxRejections";
    public const string ArmijoC = "ArmijoC";
    public const string ShrinkFactor = "ShrinkFactor";
    public const string GrowthFactor = "GrowthFactor";
    public const string MaxBacktracks = "MaxBacktracks";
    public const string SolverTolerance = "SolverTolerance";
    public const string SolverMaxIterations = "SolverMaxIterations";
    public const string SolverMemory = "SolverMemory";
}
