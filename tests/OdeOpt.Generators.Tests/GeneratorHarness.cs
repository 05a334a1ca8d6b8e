using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace OdeOpt.Generators.Tests;

/// <summary>One generated file: its hint name and text.</summary>
public sealed record GeneratedFile(string HintName, string Text);

/// <summary>The outcome of one generator run over a compilation built from source strings.</summary>
/// <param name="Sources">The generated files, in the order the generator added them.</param>
/// <param name="GeneratorDiagnostics">What the generator reported.</param>
/// <param name="OutputDiagnostics">The diagnostics of the compilation with the generated files added (errors and
/// warnings only), which is what a user would see from the C# compiler.</param>
/// <param name="Driver">The driver after the run, to run again for incrementality tests.</param>
/// <param name="Input">The compilation the generator ran on.</param>
/// <param name="Output">The compilation with the generated files added.</param>
public sealed record GeneratorRun(
    ImmutableArray<GeneratedFile> Sources,
    ImmutableArray<Diagnostic> GeneratorDiagnostics,
    ImmutableArray<Diagnostic> OutputDiagnostics,
    GeneratorDriver Driver,
    Compilation Input,
    Compilation Output)
{
    /// <summary>The single generated file; fails when there is not exactly one.</summary>
    public GeneratedFile Single()
    {
        Assert.True(Sources.Length == 1, "expected one generated file but got " + Sources.Length + Describe());
        return Sources[0];
    }

    /// <summary>Fails unless the generator reported nothing and the output compiles without errors or warnings.</summary>
    public void AssertClean()
    {
        Assert.True(GeneratorDiagnostics.IsEmpty, "the generator reported diagnostics:" + Describe());
        Assert.True(OutputDiagnostics.IsEmpty, "the output compilation has errors or warnings:" + Describe());
    }

    /// <summary>Every diagnostic, one a line, for failure messages.</summary>
    public string Describe()
    {
        var lines = GeneratorDiagnostics.Select(d => "  generator: " + d)
            .Concat(OutputDiagnostics.Select(d => "  compiler:  " + d + SourceLine(d)));
        return Environment.NewLine + string.Join(Environment.NewLine, lines);
    }

    private static string SourceLine(Diagnostic d)
    {
        if (d.Location.SourceTree is not { } tree) return "";
        var line = tree.GetText().Lines[d.Location.GetLineSpan().StartLinePosition.Line];
        return Environment.NewLine + "             | " + line.ToString().Trim();
    }
}

/// <summary>Compiles C# source strings against the .NET 10 reference assemblies and the OdeOpt runtime, and runs
/// the OdeOpt generator on them in-process.</summary>
public static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = CSharpParseOptions.Default
        .WithLanguageVersion(LanguageVersion.Latest)
        // Diagnose, as a build with GenerateDocumentationFile does, so that malformed generated XML docs show.
        .WithDocumentationMode(DocumentationMode.Diagnose);

    /// <summary>The .NET 10 reference assemblies and the OdeOpt runtime, read once and shared by every compilation.</summary>
    public static ImmutableArray<MetadataReference> References => s_references;

    private static readonly ImmutableArray<MetadataReference> s_references = Net100.References.All
        .Cast<MetadataReference>()
        .Append(MetadataReference.CreateFromFile(typeof(OdeOpt.OptimizerAttribute).Assembly.Location))
        .ToImmutableArray();

    private static readonly CSharpCompilationOptions s_options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary)
        .WithNullableContextOptions(NullableContextOptions.Enable)
        .WithOptimizationLevel(OptimizationLevel.Release)
        // Test declarations are not documented; everything else about XML docs is still checked.
        .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic> { ["CS1591"] = ReportDiagnostic.Suppress });

    /// <summary>The path given to the i-th source (0-based); diagnostics locations carry it.</summary>
    public static string PathOf(int index) => "Source" + index + ".cs";

    public static CSharpCompilation CreateCompilation(params string[] sources) =>
        CSharpCompilation.Create(
            "OdeOpt.Generators.Tests.Input",
            sources.Select((s, i) => ParseText(s, PathOf(i))),
            s_references,
            s_options);

    public static SyntaxTree ParseText(string source, string path) => CSharpSyntaxTree.ParseText(source, ParseOptions, path);

    public static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            new[] { new OptimizerGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator on a compilation of <paramref name="sources"/>. The input itself must compile
    /// (it is checked before the generator runs, less the errors the missing generated part causes).</summary>
    public static GeneratorRun Run(params string[] sources) => Run(CreateDriver(), CreateCompilation(sources));

    /// <summary>Runs <paramref name="driver"/> on <paramref name="compilation"/>; fails if the generator threw.</summary>
    public static GeneratorRun Run(GeneratorDriver driver, Compilation compilation)
    {
        // The driver's diagnostics are the generator's (plus a warning if it threw, checked below).
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var result = driver.GetRunResult();
        var generatorResult = Assert.Single(result.Results);
        Assert.True(generatorResult.Exception is null, "the generator threw: " + generatorResult.Exception);

        // Every optimizer also records its plan in an assembly attribute (a second, small file) for GPU forms in other
        // projects (docs/gpu.md); the tests look at the optimizer's own file.
        var sources = generatorResult.GeneratedSources
            .Where(s => !s.HintName.EndsWith(".OdeOpt.Plan.g.cs", System.StringComparison.Ordinal))
            .Select(s => new GeneratedFile(s.HintName, s.SourceText.ToString())).ToImmutableArray();
        var outputDiagnostics = output.GetDiagnostics()
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .ToImmutableArray();
        var run = new GeneratorRun(sources, generatorResult.Diagnostics, outputDiagnostics, driver, compilation, output);
        Assert.False(run.GeneratorDiagnostics.Any(d => d.Id == "ODEOPT099"), "internal generator error:" + run.Describe());
        return run;
    }
}
