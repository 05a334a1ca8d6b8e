using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Xunit;

namespace OdeOpt.Generators.Tests;

/// <summary>
/// One test per diagnostic id: a minimal declaration that triggers it, the id, the severity, and the exact span
/// of the offending node, marked in the source as <c>[|...|]</c>. Each source is valid C# by itself, so what is
/// reported is the generator's finding alone. ODEOPT099 (internal error) cannot be triggered on purpose.
/// </summary>
public class DiagnosticTests
{
    // ------------------------------------------------------------------ the class and its attributes

    [Fact]
    public void ODEOPT001_ClassNotPartial() => AssertReported("ODEOPT001", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public class [|O|]
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT002_TableauEntryIsNoNumber() => AssertReported("ODEOPT002", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau([|"0 x"|], B = "1")]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT002_WeightIsNoNumber_PointsAtB() => AssertReported("ODEOPT002", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = [|"one"|])]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT003_WeightsOfTheWrongLength() => AssertReported("ODEOPT003", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = [|"1 1"|])]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT003_MatrixNotSquare_PointsAtA() => AssertReported("ODEOPT003", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau([|"0 0; 1"|], B = "1 0")]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT003_WeightsMissing_PointsAtAttribute() => AssertReported("ODEOPT003", """
        using OdeOpt;

        [Optimizer("o")]
        [[|ExplicitTableau("0")|]]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT004_ExplicitTableauHasADiagonal() => AssertReported("ODEOPT004", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau([|"1"|], B = "1")]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT005_ImplicitTableauNotLowerTriangular() => AssertReported("ODEOPT005", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0 0; 1 0", B = "1 0")]
        [ImplicitTableau([|"0 1; 0 1"|], B = "0 1")]
        public partial class O
        {
            [Explicit("m")] static float M(float g, float m) => g - m;
            [Implicit("theta")] static float Theta(float m) => -m;
        }
        """);

    [Fact]
    public void ODEOPT006_TableauxDifferInStages() => AssertReported("ODEOPT006", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0 0; 1 0", B = "1 0")]
        [ImplicitTableau([|"1"|], B = "1")]
        public partial class O
        {
            [Explicit("m")] static float M(float g, float m) => g - m;
            [Implicit("theta")] static float Theta(float m) => -m;
        }
        """);

    // ------------------------------------------------------------------ right-hand sides

    [Fact]
    public void ODEOPT007_ImplicitPartReadsTheGradient() => AssertReported("ODEOPT007", """
        using OdeOpt;

        [Optimizer("o")]
        [ImexScheme(ImexSchemes.Euler)]
        public partial class O
        {
            [Implicit("theta")] static float Theta(float [|g|]) => -g;
        }
        """);

    [Fact]
    public void ODEOPT008_ImplicitSelfDependenceNotAffine() => AssertReported("ODEOPT008", """
        using OdeOpt;

        [Optimizer("o")]
        [ImexScheme(ImexSchemes.Euler)]
        public partial class O
        {
            [Explicit("m")] static float MExplicit(float g) => g;
            [Implicit("m")] static float [|MImplicit|](float m) => -m * m;
            [Implicit("theta")] static float Theta(float m) => -m;
        }
        """);

    [Fact]
    public void ODEOPT009_ParameterBindsToNothing() => AssertReported("ODEOPT009", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g, float [|lambda|]) => -lambda * g;
        }
        """);

    [Fact]
    public void ODEOPT010_UnsupportedCall() => AssertReported("ODEOPT010", """
        using System;
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -[|MathF.Tanh(g)|];
        }
        """);

    [Fact]
    public void ODEOPT010_UnsupportedStatement() => AssertReported("ODEOPT010", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Explicit("theta")]
            static float Theta(float g)
            {
                [|if (g > 1) return -1;|]
                return -g;
            }
        }
        """);

    [Fact]
    public void ODEOPT010_UnsupportedConstructInGradientAt_PointsAtTheString() => AssertReported("ODEOPT010", """
        using OdeOpt;

        [Optimizer("o")]
        [ImexScheme(ImexSchemes.Euler)]
        [GradientAt([|"theta + m % 2"|])]
        public partial class O
        {
            [Explicit("m")] static float M(float g, float m) => -g - m;
            [Implicit("theta")] static float Theta(float m) => m;
        }
        """);

    [Fact]
    public void ODEOPT011_NoRightHandSideForTheta() => AssertReported("ODEOPT011", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class [|O|]
        {
            [Explicit("m")] static float M(float g) => g;
        }
        """);

    [Fact]
    public void ODEOPT012_NoTableau() => AssertReported("ODEOPT012", """
        using OdeOpt;

        [Optimizer("o")]
        public partial class [|O|]
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT012_SchemeAndTableauBoth_PointsAtTheScheme() => AssertReported("ODEOPT012", """
        using OdeOpt;

        [Optimizer("o")]
        [[|ImexScheme(ImexSchemes.Euler)|]]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT012_UnknownNamedScheme_PointsAtTheArgument() => AssertReported("ODEOPT012", """
        using OdeOpt;

        [Optimizer("o")]
        [ImexScheme([|(ImexSchemes)42|])]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT013_MethodDoesNotReturnFloat() => AssertReported("ODEOPT013", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Explicit("theta")] static [|double|] Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT013_MethodNotStatic_PointsAtTheName() => AssertReported("ODEOPT013", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Explicit("theta")] float [|Theta|](float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT013_ParameterByReference_PointsAtTheParameter() => AssertReported("ODEOPT013", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Explicit("theta")] static float Theta(ref float [|g|]) => -g;
        }
        """);

    [Fact]
    public void ODEOPT014_CyclicImplicitParts() => AssertReported("ODEOPT014", """
        using OdeOpt;

        [Optimizer("o")]
        [ImexScheme(ImexSchemes.Euler)]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
            [Implicit("m")] static float [|M|](float v) => -v;
            [Implicit("v")] static float V(float m) => -m;
        }
        """);

    [Fact]
    public void ODEOPT015_TwoExplicitPartsForOneVariable() => AssertReported("ODEOPT015", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
            [Explicit([|"theta"|])] static float Decay(float theta) => -theta;
        }
        """);

    // ------------------------------------------------------------------ hyperparameters, initial values, look-ahead

    [Fact]
    public void ODEOPT016_TwoStepSizes() => AssertReported("ODEOPT016", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Hyperparameter, StepSize] public float LearningRate { get; set; } = 0.1f;
            [Hyperparameter, [|StepSize|]] public float Rate { get; set; } = 0.1f;

            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT017_HyperparameterNotFloat() => AssertReported("ODEOPT017", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Hyperparameter] public double [|Beta|] { get; set; } = 0.5;

            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT017_EmptyRange_PointsAtTheAttribute() => AssertReported("ODEOPT017", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [[|Hyperparameter(Min = 1, Max = 0)|]] public float Beta { get; set; } = 0.5f;

            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT017_StepSizeWithoutHyperparameter() => AssertReported("ODEOPT017", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [StepSize] public float [|LearningRate|] { get; set; } = 0.1f;

            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT018_InitialValueForTheta() => AssertReported("ODEOPT018", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
            [Initial([|"theta"|])] static float Theta0(float g) => g;
        }
        """);

    [Fact]
    public void ODEOPT018_InitialValueReadsState_PointsAtTheParameter() => AssertReported("ODEOPT018", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g, float m) => -g - m;
            [Explicit("m")] static float M(float g) => g;
            [Initial("m")] static float M0(float [|m|]) => m;
        }
        """);

    [Fact]
    public void ODEOPT019_GradientAtReadsUnknownName() => AssertReported("ODEOPT019", """
        using OdeOpt;

        [Optimizer("o")]
        [ImexScheme(ImexSchemes.Euler)]
        [GradientAt([|"theta + 2 * velocity"|])]
        public partial class O
        {
            [Explicit("m")] static float M(float g, float m) => -g - m;
            [Implicit("theta")] static float Theta(float m) => m;
        }
        """);

    [Fact]
    public void ODEOPT019_GradientAtNotAffine_PointsAtTheString() => AssertReported("ODEOPT019", """
        using OdeOpt;

        [Optimizer("o")]
        [ImexScheme(ImexSchemes.Euler)]
        [GradientAt([|"theta + m * m"|])]
        public partial class O
        {
            [Explicit("m")] static float M(float g, float m) => -g - m;
            [Implicit("theta")] static float Theta(float m) => m;
        }
        """);

    [Fact]
    public void ODEOPT020_InitialValueOfALookAheadVariable() => AssertReported("ODEOPT020", """
        using OdeOpt;

        [Optimizer("o")]
        [ImexScheme(ImexSchemes.Euler)]
        [GradientAt("theta + m")]
        public partial class O
        {
            [Explicit("m")] static float M(float g, float m) => -g - m;
            [Implicit("theta")] static float Theta(float m) => m;
            [Initial("m")] static float [|M0|](float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT020_FirstGradientPointAfterAnImplicitUpdate_PointsAtTheTableau() => AssertReported("ODEOPT020", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau([|"0"|], B = "1")]
        [ImplicitTableau("1", B = "1")]
        public partial class O
        {
            [Explicit("m")] static float M(float g, float m) => g - m;
            [Implicit("theta")] static float Theta(float m) => -m;
        }
        """);

    // ------------------------------------------------------------------ names

    [Fact]
    public void ODEOPT021_TwoOptimizersWithOneName() => AssertReported("ODEOPT021", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class First
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }

        [Optimizer([|"o"|])]
        [ExplicitTableau("0", B = "1")]
        public partial class Second
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """, expectSource: true);

    [Fact]
    public void ODEOPT022_ClassHasABaseClass() => AssertReported("ODEOPT022", """
        using OdeOpt;

        public class Base { }

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O : [|Base|]
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT022_EmptyName_PointsAtTheName() => AssertReported("ODEOPT022", """
        using OdeOpt;

        [Optimizer([|""|])]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT022_GenericClass_PointsAtTheTypeParameters() => AssertReported("ODEOPT022", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O[|<T>|]
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT022_StaticClass_PointsAtTheModifier() => AssertReported("ODEOPT022", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public [|static|] partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT022_NestedClass() => AssertReported("ODEOPT022", """
        using OdeOpt;

        public partial class Outer
        {
            [Optimizer("o")]
            [ExplicitTableau("0", B = "1")]
            public partial class [|O|]
            {
                [Explicit("theta")] static float Theta(float g) => -g;
            }
        }
        """);

    [Fact]
    public void ODEOPT022_RecordClass_PointsAtTheKeyword() => AssertReported("ODEOPT022", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial [|record|] O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT022_FileLocalClass_PointsAtTheModifier() => AssertReported("ODEOPT022", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        [|file|] partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT022_PrimaryConstructor_PointsAtItsParameters() => AssertReported("ODEOPT022", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O[|(int size)|]
        {
            public int Size => size;
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT023_StateVariableNamedLikeAHyperparameter() => AssertReported("ODEOPT023", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Hyperparameter] public float Beta { get; set; } = 0.5f;

            [Explicit("theta")] static float Theta(float g) => -g;
            [Explicit([|"beta"|])] static float B(float g) => g;
        }
        """);

    [Fact]
    public void ODEOPT023_HyperparameterNamedLikeTheGradient_PointsAtTheProperty() => AssertReported("ODEOPT023", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Hyperparameter] public float [|G|] { get; set; } = 0.5f;

            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT024_GradientNeverRead() => AssertReported("ODEOPT024", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class [|O|]
        {
            [Explicit("theta")] static float Theta(float theta) => -theta;
        }
        """);

    [Fact]
    public void ODEOPT025_ReservedVariableName() => AssertReported("ODEOPT025", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
            [Explicit([|"g"|])] static float G(float g) => g;
        }
        """);

    [Fact]
    public void ODEOPT025_NotAnIdentifier() => AssertReported("ODEOPT025", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
            [Explicit([|"2nd moment"|])] static float V(float g) => g * g;
        }
        """);

    // ------------------------------------------------------------------ no diagnostics

    [Fact]
    public void ValidDeclarationReportsNothing()
    {
        var run = GeneratorHarness.Run("""
            using System;
            using OdeOpt;

            namespace Valid;

            [Optimizer("valid-momentum", Order = 1)]
            [ImexScheme(ImexSchemes.Euler)]
            [GradientAt("theta + sigma * m")]
            internal partial class Momentum
            {
                [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 0.01f;
                [Hyperparameter(Min = 0, Max = 1)] public float Mu { get; set; } = 0.9f;
                [Hyperparameter] public float Sigma { get; set; } = 0.5f;

                [Explicit("m")] static float M(float g, float m, float mu, float h) => -g - (1 - mu) / h * m;
                [Implicit("theta")] static float Theta(float m) => m;
            }
            """);
        run.AssertClean();
        Assert.Single(run.Sources);
    }

    [Fact]
    public void EveryDiagnosticIdHasATest()
    {
        var tests = typeof(DiagnosticTests).GetMethods().Where(m => m.GetCustomAttributes<FactAttribute>().Any()).Select(m => m.Name).ToList();
        var missing = DiagnosticDescriptors.All
            .Select(d => d.Id)
            .Where(id => id != DiagnosticDescriptors.InternalError.Id && !tests.Any(t => t.StartsWith(id + "_", System.StringComparison.Ordinal)))
            .ToList();
        Assert.True(missing.Count == 0, "no test for " + string.Join(", ", missing));
    }

    [Fact]
    public void EveryDiagnosticIsDocumented()
    {
        string docs = File.ReadAllText(RepositoryFile("docs/diagnostics.md")).Replace("\r\n", "\n");
        foreach (var d in DiagnosticDescriptors.All)
        {
            string title = d.Title.ToString(CultureInfo.InvariantCulture);
            Assert.Contains("| [" + d.Id + "](#" + d.Id.ToLowerInvariant() + ") | " + title + " | " + d.DefaultSeverity + " |", docs);
            Assert.Contains("\n## " + d.Id + "\n\n**" + title + "** — " + d.DefaultSeverity + "\n", docs);
        }
        var ids = DiagnosticDescriptors.All.Select(d => d.Id).ToHashSet();
        var documented = Regex.Matches(docs, @"^## (ODEOPT\d+)$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        Assert.DoesNotContain(documented, id => !ids.Contains(id));
        Assert.Equal(documented.Count, documented.Distinct().Count());
        // Every id but the internal error has an example, which DocumentedExampleReportsItsId compiles.
        Assert.Equal(ids.Where(id => id != DiagnosticDescriptors.InternalError.Id).OrderBy(id => id), DocumentedExamples().Keys.OrderBy(id => id));
    }

    public static TheoryData<string> DocumentedIds()
    {
        var data = new TheoryData<string>();
        foreach (var id in DocumentedExamples().Keys) data.Add(id);
        return data;
    }

    /// <summary>The example in each section of docs/diagnostics.md reports that section's id, and only it.</summary>
    [Theory]
    [MemberData(nameof(DocumentedIds))]
    public void DocumentedExampleReportsItsId(string id)
    {
        var run = GeneratorHarness.Run("using System;\nusing OdeOpt;\n\n" + DocumentedExamples()[id]);
        Assert.True(run.GeneratorDiagnostics.Length > 0 && run.GeneratorDiagnostics.All(d => d.Id == id),
            "the example of " + id + " in docs/diagnostics.md reports:" + run.Describe());
    }

    private static System.Collections.Generic.Dictionary<string, string> DocumentedExamples()
    {
        string docs = File.ReadAllText(RepositoryFile("docs/diagnostics.md")).Replace("\r\n", "\n");
        var examples = new System.Collections.Generic.Dictionary<string, string>();
        foreach (Match section in Regex.Matches(docs, @"^## (ODEOPT\d+)\n(.*?)(?=^## |\z)", RegexOptions.Multiline | RegexOptions.Singleline))
        {
            var code = Regex.Match(section.Groups[2].Value, @"```csharp\n(.*?)```", RegexOptions.Singleline);
            if (code.Success) examples[section.Groups[1].Value] = code.Groups[1].Value;
        }
        return examples;
    }

    // ------------------------------------------------------------------ helper

    private static string RepositoryFile(string relative, [CallerFilePath] string callerFile = "") =>
        Path.Combine(Path.GetDirectoryName(callerFile)!, "..", "..", relative);

    /// <summary>Runs the generator on <paramref name="markedSource"/> and checks that it reports exactly one
    /// diagnostic: <paramref name="id"/>, an error, at the span marked [|...|].</summary>
    /// <param name="expectSource">Whether the declaration still yields generated code (only for findings that
    /// span several declarations); otherwise nothing may be generated.</param>
    private static void AssertReported(string id, string markedSource, bool expectSource = false, DiagnosticSeverity severity = DiagnosticSeverity.Error)
    {
        var source = MarkedSource.Parse(markedSource);
        var compilation = GeneratorHarness.CreateCompilation(source.Text);
        var inputErrors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(inputErrors.Count == 0, "the test source itself does not compile: " + string.Join("; ", inputErrors));

        var run = GeneratorHarness.Run(GeneratorHarness.CreateDriver(), compilation);
        Assert.True(run.GeneratorDiagnostics.Length == 1, "expected exactly one diagnostic (" + id + ") but got:" + run.Describe());
        var diagnostic = run.GeneratorDiagnostics[0];
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(severity, diagnostic.Severity);

        var lineSpan = diagnostic.Location.GetLineSpan();
        string actualText = diagnostic.Location.SourceSpan.End <= source.Text.Length
            ? source.Text.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length)
            : "<out of range>";
        string where = "expected " + Format(source.LineSpan) + " '" + source.MarkedText + "' but got " + Format(lineSpan.Span) + " '" + actualText + "'";
        Assert.True(lineSpan.Path == GeneratorHarness.PathOf(0), "wrong file: " + lineSpan.Path);
        Assert.True(source.Span == diagnostic.Location.SourceSpan, where);
        Assert.True(source.LineSpan == lineSpan.Span, where);

        string message = diagnostic.GetMessage(CultureInfo.InvariantCulture);
        Assert.False(string.IsNullOrWhiteSpace(message));
        Assert.DoesNotContain("{", message.Replace("{ ", "").Replace("{}", ""));
        Assert.Equal("https://github.com/odeopt/odeopt/blob/main/docs/diagnostics.md#" + id.ToLowerInvariant(), diagnostic.Descriptor.HelpLinkUri);

        if (!expectSource) Assert.True(run.Sources.IsEmpty, "a declaration in error still generated code");
    }

    private static string Format(Microsoft.CodeAnalysis.Text.LinePositionSpan span) =>
        "(" + (span.Start.Line + 1) + "," + (span.Start.Character + 1) + ")-(" + (span.End.Line + 1) + "," + (span.End.Character + 1) + ")";
}
