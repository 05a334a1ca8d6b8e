using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Xunit;

namespace OdeOpt.Generators.Tests;

/// <summary>
/// The pipeline caches: after an edit that does not touch a declaration, every named step (the constants of
/// <see cref="TrackingNames"/>) reports only Cached or Unchanged outputs, and no step output holds a Roslyn object
/// that would keep a compilation alive or defeat caching.
/// </summary>
public class IncrementalityTests
{
    private static readonly string[] s_trackingNames = typeof(TrackingNames)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();

    // A SelectMany step records nothing when it has no items: ReferencedGpuPlans has items only in a compilation that
    // references ILGPU and OdeOpt.Gpu and a library whose optimizers have no GPU form yet (covered by OdeOpt.Gpu.Tests).
    private static readonly string[] s_mayHaveNoItems = { TrackingNames.ReferencedGpuPlans, TrackingNames.Odes };

    private static readonly IncrementalStepRunReason[] s_reused = { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged };

    [Fact]
    public void EveryTrackingNameIsAStepOfThePipeline()
    {
        var run = GeneratorHarness.Run(Declarations.Adam);
        var steps = run.Driver.GetRunResult().Results[0].TrackedSteps;
        foreach (var name in s_trackingNames.Except(s_mayHaveNoItems))
            Assert.True(steps.ContainsKey(name), "TrackingNames." + name + " names no step of the pipeline");
    }

    [Fact]
    public void AddingAnUnrelatedFileReusesEveryStep()
    {
        var compilation = GeneratorHarness.CreateCompilation(Declarations.Adam, Declarations.ImexTrapezoidalAdam);
        var first = GeneratorHarness.Run(GeneratorHarness.CreateDriver(), compilation);

        var second = GeneratorHarness.Run(first.Driver, compilation.AddSyntaxTrees(GeneratorHarness.ParseText(Declarations.Unrelated, "Unrelated.cs")));

        AssertAllReused(second);
        Assert.Equal(first.Sources.AsEnumerable(), second.Sources.AsEnumerable());
    }

    [Fact]
    public void EditingAnUnrelatedFileReusesEveryStep()
    {
        var compilation = GeneratorHarness.CreateCompilation(Declarations.Adam, Declarations.Unrelated);
        var first = GeneratorHarness.Run(GeneratorHarness.CreateDriver(), compilation);

        var unrelated = compilation.SyntaxTrees.Single(t => t.FilePath == GeneratorHarness.PathOf(1));
        var edited = GeneratorHarness.ParseText(Declarations.Unrelated.Replace("2 * x", "x + x"), unrelated.FilePath);
        var second = GeneratorHarness.Run(first.Driver, compilation.ReplaceSyntaxTree(unrelated, edited));

        AssertAllReused(second);
        Assert.Equal(first.Sources.AsEnumerable(), second.Sources.AsEnumerable());
    }

    [Fact]
    public void RerunningOnAClonedCompilationReusesEveryStep()
    {
        var compilation = GeneratorHarness.CreateCompilation(Declarations.Adam, Declarations.ImexTrapezoidalAdam);
        var first = GeneratorHarness.Run(GeneratorHarness.CreateDriver(), compilation);

        var second = GeneratorHarness.Run(first.Driver, compilation.Clone());

        AssertAllReused(second);
        Assert.Equal(first.Sources.AsEnumerable(), second.Sources.AsEnumerable());
    }

    [Fact]
    public void EditingTheDeclarationFileBelowTheClassLeavesTheModelUnchanged()
    {
        // The declaration's tree is re-parsed, so the parse step runs again, but the model it produces is equal
        // (value equality all the way down), so nothing after it runs.
        var compilation = GeneratorHarness.CreateCompilation(Declarations.Adam);
        var first = GeneratorHarness.Run(GeneratorHarness.CreateDriver(), compilation);

        var tree = compilation.SyntaxTrees.Single();
        var edited = GeneratorHarness.ParseText(Declarations.Adam + "\n// a comment after the class\n", tree.FilePath);
        var second = GeneratorHarness.Run(first.Driver, compilation.ReplaceSyntaxTree(tree, edited));

        AssertAllReused(second);
        Assert.Equal(first.Sources.AsEnumerable(), second.Sources.AsEnumerable());
    }

    [Fact]
    public void ChangingADeclarationRegeneratesIt()
    {
        // The counterpart of the tests above: a real change is seen.
        var compilation = GeneratorHarness.CreateCompilation(Declarations.Adam);
        var first = GeneratorHarness.Run(GeneratorHarness.CreateDriver(), compilation);

        var tree = compilation.SyntaxTrees.Single();
        var edited = GeneratorHarness.ParseText(Declarations.Adam.Replace("= 0.9f;", "= 0.8f;"), tree.FilePath);
        var second = GeneratorHarness.Run(first.Driver, compilation.ReplaceSyntaxTree(tree, edited));

        var steps = second.Driver.GetRunResult().Results[0].TrackedSteps;
        Assert.Contains(steps[TrackingNames.Sources].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.NotEqual(first.Single().Text, second.Single().Text);
        Assert.Contains("DefaultValue = 0.800000011920929d", second.Single().Text);
    }

    [Fact]
    public void EditingAnOdeInAnotherFileRegeneratesItsOptimizer()
    {
        // The optimizer's file does not change; its ODE's does. The optimizer's model is read from the ODE, so it must
        // follow the edit (and an edit that changes nothing must change nothing).
        const string ode = """
            using OdeOpt;
            namespace T;
            [Ode]
            public abstract class Flow
            {
                [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 0.1f;
                [Explicit("theta")] static float Theta(float g) => -g;
            }
            """;
        const string optimizer = """
            using OdeOpt;
            namespace T;
            [Optimizer("flow-heun", Ode = typeof(Flow))]
            [ExplicitTableau("0 0; 1 0", B = "1/2 1/2")]
            public partial class FlowHeun;
            """;
        var compilation = GeneratorHarness.CreateCompilation(ode, optimizer);
        var first = GeneratorHarness.Run(GeneratorHarness.CreateDriver(), compilation);
        first.AssertClean();
        string Generated(GeneratorRun run) => run.Sources.Single(s => s.HintName == "T.FlowHeun.OdeOpt.g.cs").Text;
        Assert.Contains("= 0.1f;", Generated(first));

        var tree = compilation.SyntaxTrees.First();
        var comment = GeneratorHarness.Run(first.Driver, compilation.ReplaceSyntaxTree(tree, GeneratorHarness.ParseText(ode + "\n// a comment\n", tree.FilePath)));
        Assert.Equal(Generated(first), Generated(comment));

        var edited = GeneratorHarness.Run(first.Driver, compilation.ReplaceSyntaxTree(tree, GeneratorHarness.ParseText(ode.Replace("= 0.1f;", "= 0.2f;").Replace("=> -g;", "=> -2 * g;"), tree.FilePath)));
        edited.AssertClean();
        Assert.Contains("= 0.2f;", Generated(edited));
        string Rhs(GeneratorRun run) => Generated(run).Split('\n').Single(l => l.Contains("theta' = E["));
        Assert.Contains("2", Rhs(edited));
        Assert.NotEqual(Rhs(first), Rhs(edited));
    }

    [Fact]
    public void StepOutputsHoldNoRoslynObjects()
    {
        // A valid declaration, one the parser rejects and one the analyzer rejects, so that models, plans and
        // diagnostics all appear among the outputs.
        var run = GeneratorHarness.Run(
            Declarations.Adam,
            """
            using OdeOpt;
            [Optimizer("broken-in-parse")]
            [ExplicitTableau("0", B = "1")]
            public partial class BrokenInParse
            {
                [Explicit("theta")] static float Theta(float g, float unknown) => -g;
            }
            """,
            """
            using OdeOpt;
            [Optimizer("broken-in-analysis")]
            [ExplicitTableau("1", B = "1")]
            public partial class BrokenInAnalysis
            {
                [Explicit("theta")] static float Theta(float g) => -g;
            }
            """);
        var steps = run.Driver.GetRunResult().Results[0].TrackedSteps;

        var failures = new List<string>();
        int outputs = 0;
        foreach (var name in s_trackingNames)
        {
            if (!steps.TryGetValue(name, out var runs)) continue; // s_mayHaveNoItems
            foreach (var (step, index) in runs.Select((s, i) => (s, i)))
            {
                foreach (var (output, o) in step.Outputs.Select((x, i) => (x, i)))
                {
                    outputs++;
                    ObjectGraph.FindRoslynObjects(output.Value, name + "[" + index + "].Outputs[" + o + "]", failures);
                }
            }
        }
        Assert.True(outputs > 0);
        Assert.True(failures.Count == 0, "step outputs hold Roslyn objects:" + Environment.NewLine + string.Join(Environment.NewLine, failures));
    }

    private static void AssertAllReused(GeneratorRun run)
    {
        var steps = run.Driver.GetRunResult().Results[0].TrackedSteps;
        var problems = new List<string>();
        foreach (var name in s_trackingNames)
        {
            if (!steps.TryGetValue(name, out var runs))
            {
                Assert.True(s_mayHaveNoItems.Contains(name), "no step named " + name + " ran");
                continue;
            }
            foreach (var step in runs)
            foreach (var output in step.Outputs)
                if (!s_reused.Contains(output.Reason)) problems.Add(name + ": " + output.Reason + " (" + output.Value + ")");
        }
        Assert.True(problems.Count == 0, "steps ran again although nothing they depend on changed:" + Environment.NewLine + string.Join(Environment.NewLine, problems));
    }
}

/// <summary>Walks an object graph by reflection (fields of classes, records and structs, arrays, tuples,
/// EquatableArray and ImmutableArray through their fields) and reports every Roslyn object found.</summary>
internal static class ObjectGraph
{
    private static readonly Type[] s_forbidden =
    {
        typeof(Compilation), typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxTree), typeof(SemanticModel), typeof(Location),
        typeof(SyntaxToken), typeof(SyntaxTrivia), typeof(SyntaxReference), typeof(AttributeData), typeof(IOperation), typeof(Delegate),
    };

    public static void FindRoslynObjects(object? root, string path, List<string> failures) =>
        Walk(root, path, failures, new HashSet<object>(ReferenceEqualityComparer.Instance));

    private static void Walk(object? value, string path, List<string> failures, HashSet<object> visited)
    {
        if (value is null) return;
        var type = value.GetType();
        if (s_forbidden.FirstOrDefault(f => f.IsAssignableFrom(type)) is { } forbidden)
        {
            failures.Add(path + " is a " + type.FullName + " (" + forbidden.Name + ")");
            return;
        }
        if (type.IsPrimitive || type.IsEnum || value is string || value is decimal) return;
        if (!type.IsValueType && !visited.Add(value)) return;
        if (value is Array array)
        {
            int i = 0;
            foreach (var item in array) Walk(item, path + "[" + i++ + "]", failures, visited);
            return;
        }
        for (var t = type; t is not null && t != typeof(object) && t != typeof(ValueType); t = t.BaseType)
        {
            foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (field.FieldType.IsPointer) continue;
                Walk(field.GetValue(value), path + "." + field.Name, failures, visited);
            }
        }
    }

    /// <summary>Checks the walker itself: it must see through the containers the model uses.</summary>
    internal static List<string> Check(object value)
    {
        var failures = new List<string>();
        FindRoslynObjects(value, "value", failures);
        return failures;
    }
}

public class ObjectGraphTests
{
    [Fact]
    public void FindsRoslynObjectsInsideRecordsTuplesAndArrays()
    {
        var tree = GeneratorHarness.ParseText("class C { }", "x.cs");
        var node = tree.GetRoot();
        var location = node.GetLocation();

        Assert.NotEmpty(ObjectGraph.Check(new Holder(node)));
        Assert.NotEmpty(ObjectGraph.Check((1, location)));
        Assert.NotEmpty(ObjectGraph.Check(new Model.EquatableArray<Holder>(new[] { new Holder(null), new Holder(tree) })));
        Assert.NotEmpty(ObjectGraph.Check(System.Collections.Immutable.ImmutableArray.Create<object>(GeneratorHarness.CreateCompilation())));
        Assert.Empty(ObjectGraph.Check(new Holder((1, "text", new[] { 1.0, 2.0 }))));
    }

    private sealed record Holder(object? Value);
}
