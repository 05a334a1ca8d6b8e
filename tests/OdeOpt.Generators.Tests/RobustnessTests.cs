using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace OdeOpt.Generators.Tests;

/// <summary>Declarations at the edges: the generator neither throws nor generates code that does not compile.</summary>
public class RobustnessTests
{
    [Fact]
    public void OptimizerAttributeOnTwoPartsOfOneClass()
    {
        // The compiler reports CS0579 (duplicate attribute); the generator reads the class once and does not throw
        // (it used to add the same file twice).
        var run = GeneratorHarness.Run("""
            using OdeOpt;

            [Optimizer("o")]
            [ExplicitTableau("0", B = "1")]
            public partial class O
            {
                [Explicit("theta")] static float Theta(float g) => -g;
            }

            [Optimizer("o")]
            public partial class O { }
            """);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Single(run.Sources);
        Assert.Equal(new[] { "CS0579" }, run.OutputDiagnostics.Select(d => d.Id).ToArray());
    }

    [Fact]
    public void DeclarationSplitOverTwoFiles()
    {
        var run = GeneratorHarness.Run(
            """
            using OdeOpt;

            [Optimizer("split")]
            public partial class Split
            {
                [Explicit("theta")] static float Theta(float g, float beta) => -beta * g;
            }
            """,
            """
            using OdeOpt;

            [ExplicitTableau("0", B = "1")]
            public partial class Split
            {
                [Hyperparameter(Min = 0)] public float Beta { get; set; } = 0.5f;
            }
            """);
        run.AssertClean();
        Assert.Contains("new global::OdeOpt.HyperparameterInfo { Name = \"Beta\"", run.Single().Text);
    }

    /// <summary>State variables and hyperparameters named like the generated code's own locals: the generated
    /// names step aside (they used to collide: CS0136, CS0128, CS0412).</summary>
    [Theory]
    [InlineData("state variable i", """[Explicit("i")] static float I(float g) => g; [Explicit("theta")] static float Theta(float i) => -i;""")]
    [InlineData("state variable end", """[Explicit("end")] static float End(float g) => g; [Explicit("theta")] static float Theta(float end) => -end;""")]
    [InlineData("state variable V", """[Explicit("V")] static float V(float g) => g; [Explicit("theta")] static float Theta(float V) => -V;""")]
    [InlineData("hyperparameter step", """[Hyperparameter] public float step { get; set; } = 1; [Explicit("theta")] static float Theta(float g, float step, int t) => -step * g / t;""")]
    [InlineData("hyperparameter _result", """[Hyperparameter] public float _result { get; set; } = 1; [Explicit("theta")] static float Theta(float g, float _result) => -_result * g;""")]
    public void NamesTheGeneratedCodeUsesToo(string what, string members)
    {
        var run = GeneratorHarness.Run("""
            using OdeOpt;

            [Optimizer("o")]
            [ExplicitTableau("0", B = "1")]
            public partial class O
            {
            """ + "\n    " + members + "\n}\n");
        Assert.True(run.GeneratorDiagnostics.IsEmpty && run.OutputDiagnostics.IsEmpty, what + ":" + run.Describe());
    }

    /// <summary>A member named like something the generated code declares or inherits used to be a C# error inside the
    /// generated file (CS0102, CS0229, CS8156, ...) or to hide an IOptimizer member; it is ODEOPT028 at the member.</summary>
    [Theory]
    [InlineData("[Hyperparameter] public float Info { get; set; } = 1;")]
    [InlineData("[Hyperparameter] public float Previous { get; set; } = 1;")]
    [InlineData("[Hyperparameter] public float Current { get; set; } = 1;")]
    [InlineData("[Hyperparameter] public float Next { get; set; } = 1;")]
    [InlineData("[Hyperparameter] public float Reset { get; set; } = 1;")]
    [InlineData("[Hyperparameter] public float Step { get; set; } = 1;")]
    [InlineData("[Hyperparameter] public float StepCount { get; set; } = 1;")]
    [InlineData("[Hyperparameter] public float Groups { get; set; } = 1;")]
    [InlineData("[Hyperparameter] public float RunPass { get; set; } = 1;")]
    [InlineData("[Hyperparameter] public float ParameterRef { get; set; } = 1;")]
    [InlineData("[Hyperparameter] public float StepUniforms { get; set; } = 1;")]
    [InlineData("[Hyperparameter] public float ComputeStepUniforms { get; set; } = 1;")]
    [InlineData("[Hyperparameter] public float Validate { get; set; } = 1;")]
    [InlineData("[Hyperparameter] public float Accelerator { get; set; } = 1;")]
    [InlineData("[Hyperparameter] public float Pass1 { get; set; } = 1;")]
    [InlineData("[Hyperparameter] public float Pass1Kernel { get; set; } = 1;")]
    [InlineData("public float Pass1Loop { get; set; }")]
    [InlineData("public static int s_layout;")]
    [InlineData("public struct StepUniforms { }")]
    [InlineData("static float Info() => 1;")]
    [InlineData("static void Reset() { }")]
    public void MembersNamedLikeGeneratedOrInheritedOnesAreODEOPT028(string member)
    {
        var run = GeneratorHarness.Run("""
            using OdeOpt;

            [Optimizer("o")]
            [ExplicitTableau("0", B = "1")]
            public partial class O
            {
            """ + "\n    " + member + "\n    [Explicit(\"theta\")] static float Theta(float g) => -g;\n}\n");
        Assert.True(run.GeneratorDiagnostics.Length == 1 && run.GeneratorDiagnostics[0].Id == "ODEOPT028", member + ":" + run.Describe());
        Assert.True(run.OutputDiagnostics.All(d => d.Severity != DiagnosticSeverity.Error), member + ":" + run.Describe());
    }

    /// <summary>Methods may overload generated and inherited methods (their float parameters differ), and names that no
    /// pass of this plan uses are free.</summary>
    [Theory]
    [InlineData("[Explicit(\"theta\")] static float Step(float g) => -g;")]
    [InlineData("[Explicit(\"theta\")] static float Reset(float g) => -g;")]
    [InlineData("[Explicit(\"theta\")] static float RunPass(float g) => -g;")]
    [InlineData("[Explicit(\"theta\")] static float Theta(float g) => -g; public int Pass2 => 2; public int Start => 1;")]
    public void OverloadsAndUnusedPassNamesAreFine(string members)
    {
        var run = GeneratorHarness.Run("""
            using OdeOpt;

            [Optimizer("o")]
            [ExplicitTableau("0", B = "1")]
            public partial class O
            {
            """ + "\n    " + members + "\n}\n");
        run.AssertClean();
    }

    /// <summary>Every public and protected member of OptimizerCore (the generated class's base) is in
    /// <see cref="Parsing.ReservedNames.Inherited"/>, and every one that is not a method in NonMethods.</summary>
    [Fact]
    public void ReservedNamesCoverOptimizerCore()
    {
        const System.Reflection.BindingFlags flags = System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic |
            System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Static;
        for (var type = typeof(OdeOpt.Runtime.OptimizerCore<>); type is not null && type != typeof(object); type = type.BaseType)
        {
            foreach (var member in type.GetMembers(flags | System.Reflection.BindingFlags.DeclaredOnly))
            {
                bool visible = member switch
                {
                    System.Reflection.MethodBase m => (m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly) && !m.IsSpecialName && m is not System.Reflection.ConstructorInfo,
                    System.Reflection.FieldInfo f => f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly,
                    System.Reflection.PropertyInfo p => (p.GetMethod ?? p.SetMethod) is { } a && (a.IsPublic || a.IsFamily || a.IsFamilyOrAssembly),
                    System.Type t => t.IsNestedPublic || t.IsNestedFamily || t.IsNestedFamORAssem,
                    _ => false,
                };
                if (!visible) continue;
                Assert.Contains(member.Name, Parsing.ReservedNames.Inherited);
                if (member is not System.Reflection.MethodInfo) Assert.Contains(member.Name, Parsing.ReservedNames.NonMethods);
                else if (((System.Reflection.MethodInfo)member).GetParameters().Length == 0) Assert.Contains(member.Name, Parsing.ReservedNames.ParameterlessMethods);
            }
        }
        foreach (var member in typeof(ITrainingOptimizer).GetMembers().Concat(typeof(IOptimizer).GetMembers()))
            if (member is not System.Reflection.MethodInfo { IsSpecialName: true }) Assert.Contains(member.Name, Parsing.ReservedNames.Inherited);
    }

    /// <summary>Found by FuzzTests (ODEOPT099 "the value end_n + 1/2 hE(Y1) + 1/2 hI(Y1) of pass Pass1 is not held by the
    /// stored arrays"): an implicit part that does not read its own variable made the planner keep that variable's stage
    /// value between passes, including an explicit derivative no pass computes (b_1 = 0).</summary>
    [Fact]
    public void ImplicitPartThatReadsOnlyOtherVariables()
    {
        var run = GeneratorHarness.Run("""
            using OdeOpt;

            [Optimizer("o")]
            [ExplicitTableau("0 0; 1/2 0", B = "0 1")]
            [ImplicitTableau("0 0; 1/2 1/2", B = "1/2 1/2")]
            public partial class O
            {
                [Explicit("theta")] static float T(float g) => -g;
                [Explicit("end")] static float E() => 1;
                [Implicit("end")] static float I(float theta) => theta;
            }
            """);
        run.AssertClean();
        // Between the two passes: theta_n (the buffer holds the stage-2 point) and end_n + h/2 theta_n, nothing more
        // (end_{n+1} = end_n + h E(Y2) + h/2 I(Y1) + h/2 I(Y2); end's stage values are never read).
        Assert.Contains("PersistentArrays = 2,", run.Single().Text);
    }

    /// <summary>Found by FuzzTests (ODEOPT099 "Unable to cast ConstExpr to RefExpr"): a value a pass stores that is a
    /// constant (an [Initial] value written as a number) was not bound to a local. The second case is the rest of the
    /// declaration the fuzzer found (a look-ahead variable whose derivative is 0), which was already fine.</summary>
    [Theory]
    [InlineData("constant initial value", """
        [ImexScheme(ImexSchemes.Euler)]
        public partial class O
        {
            [Explicit("m")] static float M(float g, float m) => g - m;
            [Implicit("theta")] static float Theta(float m) => -m;
            [Initial("m")] static float M0() => -1e-3f;
        }
        """)]
    [InlineData("look-ahead variable with a zero derivative", """
        [ImexScheme(ImexSchemes.Ars233)]
        [GradientAt("theta + 0.5f * i")]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g, float i) => -g - i;
            [Explicit("i")] static float I() => 0f;
        }
        """)]
    public void StoredValuesThatAreConstants(string what, string declaration)
    {
        var run = GeneratorHarness.Run("using OdeOpt;\n\n[Optimizer(\"o\")]\n" + declaration);
        Assert.True(run.GeneratorDiagnostics.IsEmpty && run.OutputDiagnostics.IsEmpty, what + ":" + run.Describe());
        Assert.Single(run.Sources);
    }
}
