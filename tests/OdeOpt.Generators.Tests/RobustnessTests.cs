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
}
