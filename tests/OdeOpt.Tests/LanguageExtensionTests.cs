using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using OdeOpt.Generators;
using Xunit;

namespace OdeOpt.Tests;

/// <summary>
/// The two language extensions, flags (bool hyperparameters) and [StepScalar], through the generator in-process:
/// a sound declaration compiles without diagnostics, and each misuse is reported at its syntax with ODEOPT026 (step
/// scalar) or ODEOPT027 (flag). Their numerics are tested with the optimizers that use them (NAdam's mu product, torch's
/// flags) and in <see cref="StepScalarAndFlagRuntimeTests"/>.
/// </summary>
public class LanguageExtensionTests
{
    private static readonly Lazy<MetadataReference[]> s_references = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
            .Append(typeof(OptimizerAttribute).Assembly.Location)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray());

    /// <summary>Runs the generator; returns its diagnostics and the errors of the compilation with the generated code.</summary>
    internal static (ImmutableArray<Diagnostic> Generator, ImmutableArray<Diagnostic> Compilation) Run(string source)
    {
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), path: "Test.cs");
        var compilation = CSharpCompilation.Create("LanguageTest", new[] { tree }, s_references.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(new OptimizerGenerator());
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        var result = driver.GetRunResult();
        Assert.All(result.Results, r => Assert.Null(r.Exception)); // the generator never throws
        return (result.Diagnostics, output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray());
    }

    private static string Declare(string members, string attributes = "[ExplicitTableau(\"0\", B = \"1\")]") => $$"""
        using System;
        using OdeOpt;
        namespace T;
        [Optimizer("t")]
        {{attributes}}
        public partial class Opt
        {
            [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 0.1f;
            [Hyperparameter(Min = 0, Max = 1)] public float Beta { get; set; } = 0.9f;
            {{members}}
        }
        """;

    private static Diagnostic Single(string source, string id)
    {
        var (generator, _) = Run(source);
        var matching = generator.Where(d => d.Id == id).ToList();
        Assert.True(matching.Count == 1, $"expected one {id}, got: {string.Join("; ", generator.Select(d => d.Id + " " + d.GetMessage()))}");
        Assert.Equal(DiagnosticSeverity.Error, matching[0].Severity);
        Assert.NotEqual(Location.None, matching[0].Location);
        return matching[0];
    }

    [Fact]
    public void A_declaration_with_flags_and_a_step_scalar_compiles_cleanly()
    {
        var (generator, compilation) = Run(Declare("""
            [Hyperparameter] public bool Nesterov { get; set; } = true;
            [StepScalar("product", Initial = 1)] static float Product(float product, float beta, int t) => product * beta;
            [Explicit("m")] static float M(float g, float m, float beta, bool nesterov, float product, int t) => nesterov && t > 1 ? g - m * product : g - m;
            [Explicit("theta")] static float Theta(float m, bool nesterov) => nesterov ? -m : -2 * m;
            """));
        Assert.Empty(generator);
        Assert.Empty(compilation);
    }

    [Theory]
    [InlineData("[StepScalar(\"s\")] static float S(float s, float g) => s + g;", "the gradient g")]
    [InlineData("[StepScalar(\"s\")] static float S(float s, float m) => s + m;", "state variable 'm'")]
    [InlineData("[StepScalar(\"s\")] static float S(float s, float r) => s + r;", "step scalar 'r'")]
    [InlineData("[StepScalar(\"beta\")] static float S(float beta) => beta;", "hyperparameter Beta")]
    [InlineData("[StepScalar(\"m\")] static float S(float m) => m;", "state variable")]
    [InlineData("[StepScalar(\"t\")] static float S(float t) => t;", "reserved")]
    [InlineData("[StepScalar(\"s\")] float S(float s) => s;", "must be static")]
    [InlineData("[StepScalar(\"s\")] static double S(float s) => s;", "must return float")]
    [InlineData("[StepScalar(\"s\", Initial = double.NaN)] static float S(float s) => s;", "non-finite Initial")]
    [InlineData("[StepScalar(\"1s\")] static float S(float s) => s;", "not a valid name")]
    public void Step_scalar_misuse_is_ODEOPT026(string member, string fragment)
    {
        string other = member.Contains("\"r\"") ? "" : "[StepScalar(\"r\")] static float R(float r) => r;";
        var d = Single(Declare(member + "\n" + other + """
            [Explicit("m")] static float M(float g, float m) => g - m;
            [Explicit("theta")] static float Theta(float m) => -m;
            """), "ODEOPT026");
        Assert.Contains(fragment, d.GetMessage());
    }

    [Fact]
    public void A_duplicate_step_scalar_is_ODEOPT026()
    {
        var d = Single(Declare("""
            [StepScalar("s")] static float S1(float s) => s;
            [StepScalar("s")] static float S2(float s) => s;
            [Explicit("theta")] static float Theta(float g) => -g;
            """), "ODEOPT026");
        Assert.Contains("declared twice", d.GetMessage());
    }

    [Theory]
    [InlineData("[Hyperparameter(Min = 0)] public bool Flag { get; set; }", "declares a range")]
    [InlineData("[Hyperparameter, StepSize] public bool Flag { get; set; }", "[StepSize]")]
    public void Flag_declaration_misuse_is_ODEOPT027(string property, string fragment)
    {
        string source = Declare(property + "\n[Explicit(\"theta\")] static float Theta(float g) => -g;");
        var d = Single(source, "ODEOPT027");
        Assert.Contains(fragment, d.GetMessage());
    }

    [Fact]
    public void A_flag_bound_to_a_float_parameter_is_ODEOPT027()
    {
        var d = Single(Declare("""
            [Hyperparameter] public bool Flag { get; set; }
            [Explicit("theta")] static float Theta(float g, float flag) => -g * flag;
            """), "ODEOPT027");
        Assert.Contains("must be declared bool", d.GetMessage());
    }

    [Fact]
    public void A_bool_parameter_for_a_float_hyperparameter_is_ODEOPT027()
    {
        var d = Single(Declare("""
            [Explicit("theta")] static float Theta(float g, bool beta) => beta ? -g : g;
            """), "ODEOPT027");
        Assert.Contains("is no flag", d.GetMessage());
    }

    [Fact]
    public void A_flag_used_as_a_number_is_a_CSharp_error()
    {
        // The body is C#: bool * float does not compile, so no OdeOpt diagnostic is needed; the generator stays quiet.
        var (generator, compilation) = Run(Declare("""
            [Hyperparameter] public bool Flag { get; set; }
            [Explicit("theta")] static float Theta(float g, bool flag) => -g * flag;
            """));
        Assert.DoesNotContain(generator, d => d.Severity == DiagnosticSeverity.Error && d.Id != "ODEOPT010");
        Assert.Contains(compilation, d => d.Id == "CS0019");
    }
}
