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
    public void ODEOPT001_ClassNotPartial() => _ = AssertReported("ODEOPT001", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public class [|O|]
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT002_TableauEntryIsNoNumber() => _ = AssertReported("ODEOPT002", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau([|"0 x"|], B = "1")]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT002_WeightIsNoNumber_PointsAtB() => _ = AssertReported("ODEOPT002", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = [|"one"|])]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT003_WeightsOfTheWrongLength() => _ = AssertReported("ODEOPT003", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = [|"1 1"|])]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT003_EmbeddedWeightsOfTheWrongLength() => _ = AssertReported("ODEOPT003", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0 0; 1 0", B = "1/2 1/2", BHat = [|"1 0 0"|])]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT003_MatrixNotSquare_PointsAtA() => _ = AssertReported("ODEOPT003", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau([|"0 0; 1"|], B = "1 0")]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT003_WeightsMissing_PointsAtAttribute() => _ = AssertReported("ODEOPT003", """
        using OdeOpt;

        [Optimizer("o")]
        [[|ExplicitTableau("0")|]]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT004_ExplicitTableauHasADiagonal() => _ = AssertReported("ODEOPT004", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau([|"1"|], B = "1")]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT005_ImplicitTableauNotLowerTriangular() => _ = AssertReported("ODEOPT005", """
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
    public void ODEOPT006_TableauxDifferInStages() => _ = AssertReported("ODEOPT006", """
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
    public void ODEOPT007_ImplicitPartReadsTheGradientWithAnInitialValue() => _ = AssertReported("ODEOPT007", """
        using OdeOpt;

        [Optimizer("o")]
        [ImexScheme(ImexSchemes.Euler)]
        public partial class O
        {
            [Initial("m")] static float M0(float g) => g;
            [Explicit("m")] static float M(float g, float m) => g - m;
            [Implicit("theta")] static float Theta(float m, float [|g|]) => -m - g;
        }
        """);

    [Fact]
    public void ODEOPT007_ImplicitGradientStageWithAStepSizeController() => _ = AssertReported("ODEOPT007", """
        using OdeOpt;

        [Optimizer("o", StepControl = StepControl.Elementary)]
        [ExplicitTableau("0 0; 1 0", B = "1/2 1/2")]
        [ImplicitTableau("0 0; 1/2 1/2", B = "1/2 1/2")]
        public partial class O
        {
            [Hyperparameter, StepSize] public float LearningRate { get; set; } = 0.1f;
            [Implicit("theta")] static float Theta(float [|g|]) => -g;
        }
        """);

    [Fact]
    public void ODEOPT047_StateStorageOnTheta() => _ = AssertReported("ODEOPT047", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        [StateStorage([|"theta"|], StateStorage.BFloat16)]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT047_StateStorageOnATwoPassScheme() => _ = AssertReported("ODEOPT047", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0 0; 1 0", B = "1/2 1/2")]
        [StateStorage([|"u"|], StateStorage.BFloat16)]
        public partial class O
        {
            [Explicit("u")] static float U(float g, float u) => -g - u;
            [Explicit("theta")] static float Theta(float u) => u;
        }
        """);

    [Fact]
    public void ODEOPT048_ParameterStorageOnATwoGradientScheme() => _ = AssertReported("ODEOPT048", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0 0; 1 0", B = "1/2 1/2")]
        [ParameterStorage([|StateStorage.BFloat16|])]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT048_HalfParameters() => _ = AssertReported("ODEOPT048", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        [ParameterStorage([|StateStorage.Half|])]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT046_StepControlWithoutEmbeddedWeights() => _ = AssertReported("ODEOPT046", """
        using OdeOpt;

        [Optimizer("o", [|StepControl = StepControl.ProportionalIntegral|])]
        [ExplicitTableau("0 0; 1 0", B = "1/2 1/2")]
        public partial class O
        {
            [Hyperparameter, StepSize] public float LearningRate { get; set; } = 0.1f;
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT046_StepControlOnABodyThatReadsTheStepSize() => _ = AssertReported("ODEOPT046", """
        using OdeOpt;

        [Optimizer("o", StepControl = StepControl.Elementary)]
        [ExplicitTableau("0 0; 1 0", B = "1/2 1/2", BHat = "1 0")]
        public partial class O
        {
            [Hyperparameter, StepSize] public float LearningRate { get; set; } = 0.1f;
            [Hyperparameter] public float Beta { get; set; } = 0.9f;
            [Update("m")] static float [|M|](float g, float m, float beta) => beta * m + (1 - beta) * g;
            [Explicit("theta")] static float Theta(float m) => -m;
        }
        """);

    [Fact]
    public void ODEOPT046_ArmijoOnAMultiStageScheme() => _ = AssertReported("ODEOPT046", """
        using OdeOpt;

        [Optimizer("o", [|StepControl = StepControl.Armijo|])]
        [ExplicitTableau("0 0; 1 0", B = "1/2 1/2")]
        public partial class O
        {
            [Hyperparameter, StepSize] public float LearningRate { get; set; } = 0.1f;
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT008_ImplicitSelfDependenceNotAffine() => _ = AssertReported("ODEOPT008", """
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
    public void ODEOPT009_ParameterBindsToNothing() => _ = AssertReported("ODEOPT009", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g, float [|lambda|]) => -lambda * g;
        }
        """);

    [Fact]
    public void ODEOPT010_UnsupportedCall() => _ = AssertReported("ODEOPT010", """
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
    public void ODEOPT010_UnsupportedStatement() => _ = AssertReported("ODEOPT010", """
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
    public void ODEOPT010_UnsupportedConstructInGradientAt_PointsAtTheString() => _ = AssertReported("ODEOPT010", """
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
    public void ODEOPT011_NoRightHandSideForTheta() => _ = AssertReported("ODEOPT011", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class [|O|]
        {
            [Explicit("m")] static float M(float g) => g;
        }
        """);

    [Fact]
    public void ODEOPT012_NoTableau() => _ = AssertReported("ODEOPT012", """
        using OdeOpt;

        [Optimizer("o")]
        public partial class [|O|]
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT012_SchemeAndTableauBoth_PointsAtTheScheme() => _ = AssertReported("ODEOPT012", """
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
    public void ODEOPT012_UnknownNamedScheme_PointsAtTheArgument() => _ = AssertReported("ODEOPT012", """
        using OdeOpt;

        [Optimizer("o")]
        [ImexScheme([|(ImexSchemes)42|])]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT013_MethodDoesNotReturnFloat() => _ = AssertReported("ODEOPT013", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Explicit("theta")] static [|double|] Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT013_MethodNotStatic_PointsAtTheName() => _ = AssertReported("ODEOPT013", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Explicit("theta")] float [|Theta|](float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT013_ParameterByReference_PointsAtTheParameter() => _ = AssertReported("ODEOPT013", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Explicit("theta")] static float Theta(ref float [|g|]) => -g;
        }
        """);

    [Fact]
    public void ODEOPT014_CyclicImplicitParts() => _ = AssertReported("ODEOPT014", """
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
    public void ODEOPT015_TwoExplicitPartsForOneVariable() => _ = AssertReported("ODEOPT015", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
            [Explicit([|"theta"|])] static float Decay(float theta) => -theta;
        }
        """);

    [Fact]
    public void ODEOPT015_TwoImplicitPartsForOneVariable() => _ = AssertReported("ODEOPT015", """
        using OdeOpt;

        [Optimizer("o")]
        [ImexScheme(ImexSchemes.Euler)]
        public partial class O
        {
            [Explicit("m")] static float M(float g, float m) => g - m;
            [Implicit("theta")] static float Theta(float m) => -m;
            [Implicit([|"theta"|])] static float Decay(float theta) => -theta;
        }
        """);

    [Fact]
    public void ODEOPT014_CycleThroughThreeVariables() => _ = AssertReported("ODEOPT014", """
        using OdeOpt;

        [Optimizer("o")]
        [ImexScheme(ImexSchemes.Euler)]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
            [Implicit("a")] static float [|A|](float b) => -b;
            [Implicit("b")] static float B(float c) => -c;
            [Implicit("c")] static float C(float a) => -a;
        }
        """);

    // ------------------------------------------------------------------ hyperparameters, initial values, look-ahead

    [Fact]
    public void ODEOPT016_TwoStepSizes() => _ = AssertReported("ODEOPT016", """
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
    public void ODEOPT017_HyperparameterNotFloat() => _ = AssertReported("ODEOPT017", """
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
    public void ODEOPT017_EmptyRange_PointsAtTheAttribute() => _ = AssertReported("ODEOPT017", """
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
    public void ODEOPT017_StepSizeWithoutHyperparameter() => _ = AssertReported("ODEOPT017", """
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
    public void ODEOPT018_InitialValueForTheta() => _ = AssertReported("ODEOPT018", """
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
    public void ODEOPT018_InitialValueReadsState_PointsAtTheParameter() => _ = AssertReported("ODEOPT018", """
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
    public void ODEOPT019_GradientAtReadsUnknownName() => _ = AssertReported("ODEOPT019", """
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
    public void ODEOPT019_GradientAtNotAffine_PointsAtTheString() => _ = AssertReported("ODEOPT019", """
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
    public void ODEOPT020_InitialValueOfALookAheadVariable() => _ = AssertReported("ODEOPT020", """
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
    public void ODEOPT020_FirstGradientPointAfterAnImplicitUpdate_PointsAtTheTableau() => _ = AssertReported("ODEOPT020", """
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
    public void ODEOPT021_TwoOptimizersWithOneName() => _ = AssertReported("ODEOPT021", """
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
    public void ODEOPT022_ClassHasABaseClass() => _ = AssertReported("ODEOPT022", """
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
    public void ODEOPT022_EmptyName_PointsAtTheName() => _ = AssertReported("ODEOPT022", """
        using OdeOpt;

        [Optimizer([|""|])]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT022_GenericClass_PointsAtTheTypeParameters() => _ = AssertReported("ODEOPT022", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O[|<T>|]
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT022_StaticClass_PointsAtTheModifier() => _ = AssertReported("ODEOPT022", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public [|static|] partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT022_NestedClass() => _ = AssertReported("ODEOPT022", """
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
    public void ODEOPT022_RecordClass_PointsAtTheKeyword() => _ = AssertReported("ODEOPT022", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial [|record|] O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT022_FileLocalClass_PointsAtTheModifier() => _ = AssertReported("ODEOPT022", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        [|file|] partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT022_PrimaryConstructor_PointsAtItsParameters() => _ = AssertReported("ODEOPT022", """
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
    public void ODEOPT023_StateVariableNamedLikeAHyperparameter() => _ = AssertReported("ODEOPT023", """
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
    public void ODEOPT023_HyperparameterNamedLikeTheGradient_PointsAtTheProperty() => _ = AssertReported("ODEOPT023", """
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
    public void ODEOPT024_GradientNeverRead() => _ = AssertReported("ODEOPT024", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class [|O|]
        {
            [Explicit("theta")] static float Theta(float theta) => -theta;
        }
        """);

    [Fact]
    public void ODEOPT025_ReservedVariableName() => _ = AssertReported("ODEOPT025", """
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
    public void ODEOPT025_NotAnIdentifier() => _ = AssertReported("ODEOPT025", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
            [Explicit([|"2nd moment"|])] static float V(float g) => g * g;
        }
        """);

    [Fact]
    public void ODEOPT017_HyperparameterWithoutSetter() => _ = AssertReported("ODEOPT017", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Hyperparameter] public float [|Beta|] { get; } = 0.5f;

            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT019_GradientAtReadsTheGradient() => _ = AssertReported("ODEOPT019", """
        using OdeOpt;

        [Optimizer("o")]
        [ImexScheme(ImexSchemes.Euler)]
        [GradientAt([|"theta + m - g"|])]
        public partial class O
        {
            [Explicit("m")] static float M(float g, float m) => -g - m;
            [Implicit("theta")] static float Theta(float m) => m;
        }
        """);

    // ------------------------------------------------------------------ language extensions: step scalars and flags

    [Fact]
    public void ODEOPT026_StepScalarReadsTheGradient_PointsAtTheParameter() => _ = AssertReported("ODEOPT026", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [StepScalar("s", Initial = 1)] static float S(float s, float [|g|]) => s * g;
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT026_StepScalarNameIsNoIdentifier_PointsAtTheName() => _ = AssertReported("ODEOPT026", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [StepScalar([|"1s"|])] static float S(float s) => s;
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT027_FlagWithARange_PointsAtTheProperty() => _ = AssertReported("ODEOPT027", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Hyperparameter(Min = 0)] public bool [|Nesterov|] { get; set; }

            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT027_FlagBoundToAFloatParameter_PointsAtTheParameter() => _ = AssertReported("ODEOPT027", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Hyperparameter] public bool Maximize { get; set; }

            [Explicit("theta")] static float Theta(float g, float [|maximize|]) => -g * maximize;
        }
        """);

    // ------------------------------------------------------------------ names the generated code uses; conditions

    [Fact]
    public void ODEOPT028_HyperparameterNamedInfo() => _ = AssertReported("ODEOPT028", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Hyperparameter] public float [|Info|] { get; set; } = 1;

            [Explicit("theta")] static float Theta(float g, float info) => -info * g;
        }
        """);

    [Fact]
    public void ODEOPT028_HyperparameterNamedLikeAnInheritedMember() => _ = AssertReported("ODEOPT028", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Hyperparameter] public float [|Previous|] { get; set; } = 1;

            [Explicit("theta")] static float Theta(float g, float previous) => -previous * g;
        }
        """);

    [Fact]
    public void ODEOPT028_PropertyNamedLikeAPassOfThePlan() => _ = AssertReported("ODEOPT028", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0 0; 1 0", B = "1/2 1/2")]
        public partial class O
        {
            public int [|Pass2Loop|] => 2;

            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT028_MethodNamedLikeAnInheritedProperty() => _ = AssertReported("ODEOPT028", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Explicit("theta")] static float [|StepCount|](float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT029_ConditionReadsTheGradient_PointsAtTheString() => _ = AssertReported("ODEOPT029", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        [Condition([|"beta * g < 1"|])]
        public partial class O
        {
            [Hyperparameter] public float Beta { get; set; } = 0.5f;

            [Explicit("theta")] static float Theta(float g, float beta) => -beta * g;
        }
        """);

    [Fact]
    public void ODEOPT029_ConditionIsNoComparison() => _ = AssertReported("ODEOPT029", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        [Condition([|"1 - beta"|], Reference = "a paper")]
        public partial class O
        {
            [Hyperparameter] public float Beta { get; set; } = 0.5f;

            [Explicit("theta")] static float Theta(float g, float beta) => -beta * g;
        }
        """);

    [Fact]
    public void ODEOPT029_ConditionUsesAnUnsupportedOperator() => _ = AssertReported("ODEOPT029", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        [Condition([|"beta % 2 == 0"|])]
        public partial class O
        {
            [Hyperparameter] public float Beta { get; set; } = 0.5f;

            [Explicit("theta")] static float Theta(float g, float beta) => -beta * g;
        }
        """);

    // ------------------------------------------------------------------ order and consistency of the tableaux

    [Fact]
    public void ODEOPT040_DeclaredOrderNotReached_PointsAtOrder()
    {
        var run = AssertReported("ODEOPT040", """
            using OdeOpt;

            [Optimizer("o", [|Order = 2|])]
            [ExplicitTableau("0", B = "1")]
            public partial class O
            {
                [Explicit("theta")] static float Theta(float g) => -g;
            }
            """);
        Assert.Contains("has order 1: the condition sum b_i c_i = 0, needs 1/2", run.GeneratorDiagnostics[0].GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void ODEOPT040_CouplingConditionOfAPair()
    {
        // Explicit midpoint + trapezoidal: each half has order 2, but the coupling condition sum b_i ch_i = 1/2 fails.
        var run = AssertReported("ODEOPT040", """
            using OdeOpt;

            [Optimizer("o", [|Order = 2|])]
            [ExplicitTableau("0 0; 1/2 0", B = "0 1")]
            [ImplicitTableau("0 0; 1/2 1/2", B = "1/2 1/2")]
            public partial class O
            {
                [Explicit("m")] static float M(float g, float m) => g - m;
                [Implicit("theta")] static float Theta(float m) => -m;
            }
            """);
        Assert.Contains("has order 1: the condition sum b_i c^_i = 1, needs 1/2", run.GeneratorDiagnostics[0].GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void ODEOPT041_OrderAboveFiveForAnExplicitTableau() => _ = AssertReported("ODEOPT041", """
        using OdeOpt;

        [Optimizer("o", [|Order = 6|])]
        [ExplicitTableau("0 0 0 0; 1/2 0 0 0; 0 1/2 0 0; 0 0 1 0", B = "1/6 1/3 1/3 1/6")]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT041_OrderAboveThreeForAPair() => _ = AssertReported("ODEOPT041", """
        using OdeOpt;

        [Optimizer("o", [|Order = 4|])]
        [ImexScheme(ImexSchemes.Ars233)]
        public partial class O
        {
            [Explicit("m")] static float M(float g, float m) => g - m;
            [Implicit("theta")] static float Theta(float m) => -m;
        }
        """);

    [Fact]
    public void ODEOPT041_OrderZero() => _ = AssertReported("ODEOPT041", """
        using OdeOpt;

        [Optimizer("o", [|Order = 0|])]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT042_WeightsDoNotSumToOne_IsAWarningAtB()
    {
        var run = AssertReported("ODEOPT042", """
            using OdeOpt;

            [Optimizer("o")]
            [ExplicitTableau("0 0; 1 0", B = [|"1/2 1/4"|])]
            public partial class O
            {
                [Explicit("theta")] static float Theta(float g) => -g;
            }
            """, expectSource: true, severity: DiagnosticSeverity.Warning);
        // A warning: the optimizer is still generated, with order 0, and compiles.
        Assert.Empty(run.OutputDiagnostics);
        Assert.Contains("    Order = 0,", run.Single().Text);
    }

    [Fact]
    public void ODEOPT042_ImplicitWeights() => _ = AssertReported("ODEOPT042", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0 0; 1 0", B = "1 0")]
        [ImplicitTableau("0 0; 0 1", B = [|"0 2"|])]
        public partial class O
        {
            [Explicit("m")] static float M(float g, float m) => g - m;
            [Implicit("theta")] static float Theta(float m) => -m;
        }
        """, expectSource: true, severity: DiagnosticSeverity.Warning);

    [Fact]
    public void ODEOPT043_AbscissaeAreNotTheRowSums_PointsAtC() => _ = AssertReported("ODEOPT043", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0 0; 1 0", B = "1/2 1/2", C = [|"0 1/2"|])]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    // ------------------------------------------------------------------ reductions

    [Fact]
    public void ODEOPT050_ReductionNamedLikeAStateVariable_PointsAtTheName() => _ = AssertReported("ODEOPT050", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Reduction([|"m"|], ReductionKind.Norm)] static float N(float m) => m;
            [Explicit("m")] static float M(float g, float m) => g - m;
            [Explicit("theta")] static float Theta(float m) => -m;
        }
        """);

    [Fact]
    public void ODEOPT050_ReductionDeclaredTwice_PointsAtTheSecondName() => _ = AssertReported("ODEOPT050", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Reduction("n", ReductionKind.Norm)] static float N1(float g) => g;
            [Reduction([|"n"|], ReductionKind.Sum)] static float N2(float g) => g;
            [Explicit("theta")] static float Theta(float g, float n) => -g / n;
        }
        """);

    [Fact]
    public void ODEOPT050_ReductionOfNoKnownKind_PointsAtTheName() => _ = AssertReported("ODEOPT050", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Reduction([|"n"|], (ReductionKind)7)] static float N(float g) => g;
            [Explicit("theta")] static float Theta(float g, float n) => -g / n;
        }
        """);

    [Fact]
    public void ODEOPT051_ReductionReadsAReduction_PointsAtTheParameter() => _ = AssertReported("ODEOPT051", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Reduction("n", ReductionKind.Norm)] static float N(float g) => g;
            [Reduction("s", ReductionKind.Sum)] static float S(float g, float [|n|]) => g / n;
            [Explicit("theta")] static float Theta(float g, float s) => -g * s;
        }
        """);

    [Fact]
    public void ODEOPT052_ImplicitPartReadsAReductionOverTheGradient_PointsAtTheImplicitPart() => _ = AssertReported("ODEOPT052", """
        using OdeOpt;

        [Optimizer("o")]
        [ImexScheme(ImexSchemes.Euler)]
        public partial class O
        {
            [Reduction("gNorm", ReductionKind.Norm)] static float GNorm(float g) => g;
            [Explicit("m")] static float M(float g, float m) => g - m;
            [Implicit("theta")] static float [|Theta|](float m, float gNorm) => -m / gNorm;
        }
        """);

    [Fact]
    public void ODEOPT052_ImplicitPartReadsAReductionOverItself_PointsAtTheReduction() => _ = AssertReported("ODEOPT052", """
        using OdeOpt;

        [Optimizer("o")]
        [ImexScheme(ImexSchemes.Euler)]
        public partial class O
        {
            [Reduction("thetaNorm", ReductionKind.Norm)] static float [|ThetaNorm|](float theta) => theta;
            [Explicit("m")] static float M(float g, float m) => g - m;
            [Implicit("theta")] static float Theta(float m, float thetaNorm) => -m * thetaNorm;
        }
        """);

    [Fact]
    public void ODEOPT052_ReductionInAFirstSameAsLastScheme_PointsAtTheReduction() => _ = AssertReported("ODEOPT052", """
        using System;
        using OdeOpt;

        [Optimizer("o")]
        [ImexScheme(ImexSchemes.Trapezoidal)]
        public partial class O
        {
            [Hyperparameter(Min = 0), StepSize] public float H { get; set; } = 0.1f;
            [Reduction("gNorm", ReductionKind.Norm)] static float [|GNorm|](float g) => g;
            [Explicit("m")] static float M(float g, float m, float gNorm) => g / gNorm - m;
            [Implicit("theta")] static float Theta(float m) => -m;
        }
        """);

    [Fact]
    public void ODEOPT053_ReductionNeverRead_IsAWarningAtTheMethod() => _ = AssertReported("ODEOPT053", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Reduction("gNorm", ReductionKind.Norm)] static float [|GNorm|](float g) => g;
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """, expectSource: true, severity: DiagnosticSeverity.Warning);

    // ------------------------------------------------------------------ GPU forms of referenced optimizers

    /// <summary>ODEOPT060 concerns an optimizer in a referenced assembly, so it has no source location: it is reported
    /// without one (<see cref="Location.None"/>), and the message names the type and the assembly. Triggered by a
    /// reference whose plan metadata has another format version, in a compilation that sees ILGPU and OdeOpt.Gpu
    /// (stand-ins with the same metadata names here; tests/OdeOpt.Gpu.Tests does the same with the real ones).</summary>
    [Fact]
    public void ODEOPT060_UnreadablePlanMetadataInAReference_HasNoSourceLocation()
    {
        var app = GeneratorHarness.CreateCompilation("""
                namespace ILGPU { public readonly struct ArrayView<T> { } }
                namespace OdeOpt.Gpu { public abstract class GpuOptimizerCore<TUniforms, TViews> { } }
                """)
            .AddReferences(LibraryWithoutGenerator("""[assembly: OdeOpt.Runtime.OptimizerPlan(typeof(Lib.Opt), "odeopt-plan 99\nname \"lib\"\n")] namespace Lib { public class Opt { } }"""));
        var run = GeneratorHarness.Run(GeneratorHarness.CreateDriver(), app);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("ODEOPT060", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Equal(Location.None, diagnostic.Location);
        string message = diagnostic.GetMessage(CultureInfo.InvariantCulture);
        Assert.Contains("'Lib.Opt' from the assembly 'Lib'", message);
        Assert.Contains("format version 99", message);
        Assert.Equal("https://github.com/odeopt/odeopt/blob/main/docs/diagnostics.md#odeopt060", diagnostic.Descriptor.HelpLinkUri);
        // The built-ins in the OdeOpt reference get GPU forms (there is no OdeOpt.Gpu holding theirs); Lib.Opt gets none.
        Assert.DoesNotContain(run.Sources, s => s.HintName.StartsWith("Lib.", System.StringComparison.Ordinal));
    }

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
    public void ODEOPT012_ExplicitTableauGivenTwice_PointsAtTheSecond() => _ = AssertReported("ODEOPT012", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        [[|ExplicitTableau("0 0; 1 0", B = "1/2 1/2")|]]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT012_ImexSchemeGivenTwice_PointsAtTheSecond() => _ = AssertReported("ODEOPT012", """
        using OdeOpt;

        [Optimizer("o")]
        [ImexScheme(ImexSchemes.Euler), [|ImexScheme(ImexSchemes.Trapezoidal)|]]
        public partial class O
        {
            [Explicit("m")] static float M(float g, float m) => g - m;
            [Implicit("theta")] static float Theta(float m) => -m;
        }
        """);

    // ------------------------------------------------------------------ [Let] and [Update]

    [Fact]
    public void ODEOPT030_LetNamedLikeAStateVariable() => _ = AssertReported("ODEOPT030", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Let([|"m"|])] static float D(float g) => 2 * g;
            [Explicit("m")] static float M(float g, float m) => g - m;
            [Explicit("theta")] static float Theta(float m) => -m;
        }
        """);

    [Fact]
    public void ODEOPT030_LetsInACycle_PointsAtTheParameter() => _ = AssertReported("ODEOPT030", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Let("a")] static float A(float g, float [|b|]) => g + b;
            [Let("b")] static float B(float g, float a) => g * a;
            [Explicit("theta")] static float Theta(float a) => -a;
        }
        """);

    [Fact]
    public void ODEOPT030_LetReadsItself() => _ = AssertReported("ODEOPT030", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Let("a")] static float A(float g, float [|a|]) => g + a;
            [Explicit("theta")] static float Theta(float a) => -a;
        }
        """);

    [Fact]
    public void ODEOPT007_ImplicitPartReadsALetThatReadsTheGradient_PointsAtTheParameter() => _ = AssertReported("ODEOPT007", """
        using OdeOpt;

        [Optimizer("o")]
        [ImexScheme(ImexSchemes.Euler)]
        public partial class O
        {
            [Let("d")] static float D(float g, float theta) => g + 0.1f * theta;
            [Initial("m")] static float M0(float g) => g;
            [Explicit("m")] static float M(float g, float m) => g - m;
            [Implicit("theta")] static float Theta(float m, float [|d|]) => -m - d;
        }
        """);

    [Fact]
    public void ODEOPT031_UpdateAndExplicitForOneVariable() => _ = AssertReported("ODEOPT031", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [Explicit("m")] static float M(float g, float m) => g - m;
            [Update([|"m"|])] static float M2(float g, float m) => 0.9f * m + 0.1f * g;
            [Explicit("theta")] static float Theta(float m) => -m;
        }
        """);

    // ------------------------------------------------------------------ embedded weights

    [Fact]
    public void ODEOPT044_EmbeddedWeightsEqualToB() => _ = AssertReported("ODEOPT044", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0 0; 1 0", B = "1/2 1/2", BHat = [|"1/2 1/2"|])]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT044_EmbeddedWeightsOnAnImexScheme() => _ = AssertReported("ODEOPT044", """
        using OdeOpt;

        [Optimizer("o")]
        [ExplicitTableau("0 0; 1 0", B = "1 0", BHat = [|"1/2 1/2"|])]
        [ImplicitTableau("0 0; 0 1", B = "0 1")]
        public partial class O
        {
            [Explicit("m")] static float M(float g, float m) => g - m;
            [Implicit("theta")] static float Theta(float m) => -m;
        }
        """);

    [Fact]
    public void ODEOPT044_EmbeddedOrderWithoutEmbeddedWeights() => _ = AssertReported("ODEOPT044", """
        using OdeOpt;

        [Optimizer("o", [|EmbeddedOrder = 1|])]
        [ExplicitTableau("0 0; 1 0", B = "1/2 1/2")]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT045_EmbeddedOrderNotReached() => _ = AssertReported("ODEOPT045", """
        using OdeOpt;

        [Optimizer("o", Order = 2, [|EmbeddedOrder = 2|])]
        [ExplicitTableau("0 0; 1 0", B = "1/2 1/2", BHat = "1 0")]
        public partial class O
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    // ------------------------------------------------------------------ [Ode]

    [Fact]
    public void ODEOPT032_OptimizerNamesAClassWithoutOde() => _ = AssertReported("ODEOPT032", """
        using OdeOpt;

        public class Flow
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }

        [Optimizer("o", Ode = [|typeof(Flow)|])]
        [ExplicitTableau("0", B = "1")]
        public partial class O;
        """);

    [Fact]
    public void ODEOPT032_OdeCarriesATableau() => _ = AssertReported("ODEOPT032", """
        using OdeOpt;

        [Ode]
        [[|ExplicitTableau("0", B = "1")|]]
        public class Flow
        {
            [Explicit("theta")] static float Theta(float g) => -g;
        }
        """);

    [Fact]
    public void ODEOPT032_OptimizerOfAnOdeDeclaresAHyperparameter() => _ = AssertReported("ODEOPT032", """
        using OdeOpt;

        [Ode]
        public class Flow
        {
            [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 0.1f;
            [Explicit("theta")] static float Theta(float g) => -g;
        }

        [Optimizer("o", Ode = typeof(Flow))]
        [ExplicitTableau("0", B = "1")]
        public partial class O
        {
            [[|Hyperparameter|]] public float Extra { get; set; }
        }
        """, expectSource: true);

    [Fact]
    public void ODEOPT032_AFindingInsideTheOdeIsReportedOnceForTwoOptimizers()
    {
        // ODEOPT009 in the ODE's body, with two optimizers of it: reported once, at the ODE; neither optimizer is generated.
        var run = GeneratorHarness.Run("""
            using OdeOpt;

            [Ode]
            public class Flow
            {
                [Explicit("theta")] static float Theta(float g, float lambda) => -lambda * g;
            }

            [Optimizer("a", Ode = typeof(Flow))]
            [ExplicitTableau("0", B = "1")]
            public partial class A;

            [Optimizer("b", Ode = typeof(Flow))]
            [ExplicitTableau("0 0; 1 0", B = "1/2 1/2")]
            public partial class B;
            """);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("ODEOPT009", diagnostic.Id);
        Assert.Equal(6, diagnostic.Location.GetLineSpan().StartLinePosition.Line + 1);
        Assert.DoesNotContain(run.Sources, s => s.HintName.Contains(".OdeOpt.g.cs", System.StringComparison.Ordinal));
    }

    /// <summary>ODEOPT033: an ODE in a referenced assembly that records no declaration (built without the generator). The
    /// finding is at the typeof of [Optimizer].</summary>
    [Fact]
    public void ODEOPT033_OdeOfAReferenceWithoutRecordedSource()
    {
        var library = LibraryWithoutGenerator("""namespace Lib { [OdeOpt.Ode] public class Flow { [OdeOpt.Explicit("theta")] static float Theta(float g) => -g; } }""");
        var source = MarkedSource.Parse("""
            using OdeOpt;

            [Optimizer("o", Ode = [|typeof(Lib.Flow)|])]
            [ExplicitTableau("0", B = "1")]
            public partial class O;
            """);
        var app = GeneratorHarness.CreateCompilation(source.Text).AddReferences(library);
        var run = GeneratorHarness.Run(GeneratorHarness.CreateDriver(), app);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("ODEOPT033", diagnostic.Id);
        Assert.Equal(source.Span, diagnostic.Location.SourceSpan);
        Assert.Contains("'Lib.Flow' in assembly 'Lib'", diagnostic.GetMessage(CultureInfo.InvariantCulture));
    }

    /// <summary>The other side: an ODE compiled with the generator records its declaration, and an optimizer in another
    /// compilation discretises it with nothing reported and the ODE's hyperparameters generated.</summary>
    [Fact]
    public void AnOdeFromAReferenceBuiltWithTheGeneratorIsDiscretised()
    {
        var lib = GeneratorHarness.Run("""
            using System;
            using OdeOpt;
            namespace Lib;

            /// <summary>A damped flow.</summary>
            [Ode]
            public abstract class Flow
            {
                /// <summary>The step.</summary>
                [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 0.25f;
                /// <summary>The decay.</summary>
                [Hyperparameter(Min = 0)] public float Decay { get; set; } = 0.5f;
                [Let("d")] static float D(float g, float theta, float decay) => g + decay * theta;
                [Explicit("theta")] static float Theta(float d) => -MathF.Sqrt(d * d + 1) + 1 - d;
            }
            """);
        lib.AssertClean();
        Assert.Contains(lib.Sources, s => s.HintName == "Lib.Flow.OdeOpt.Ode.g.cs");
        using var image = new MemoryStream();
        var emitted = lib.Output.Emit(image);
        Assert.True(emitted.Success, string.Join("; ", emitted.Diagnostics));
        var app = GeneratorHarness.CreateCompilation("""
            using OdeOpt;
            namespace App;

            [Optimizer("app-flow-heun", Order = 2, Ode = typeof(Lib.Flow))]
            [ExplicitTableau("0 0; 1 0", B = "1/2 1/2")]
            public partial class FlowHeun;
            """).AddReferences(MetadataReference.CreateFromImage(image.ToArray()));
        var run = GeneratorHarness.Run(GeneratorHarness.CreateDriver(), app);
        run.AssertClean();
        var generated = run.Sources.Single(s => s.HintName == "App.FlowHeun.OdeOpt.g.cs").Text;
        Assert.Contains("public float LearningRate { get; set; } = 0.25f;", generated);
        Assert.Contains("public float Decay { get; set; } = 0.5f;", generated);
        Assert.Contains("from the ODE Lib.Flow", generated);
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
        // Every id but the internal error and those about referenced assemblies has an example, which
        // DocumentedExampleReportsItsId compiles.
        Assert.Equal(ids.Where(id => id != DiagnosticDescriptors.InternalError.Id && !AboutReferences.Contains(id)).OrderBy(id => id), DocumentedExamples().Keys.OrderBy(id => id));
    }

    /// <summary>Ids about referenced assemblies: their example needs a second project, so docs/diagnostics.md shows the
    /// message instead, and the id's test builds the reference in memory.</summary>
    private static readonly string[] AboutReferences = { "ODEOPT033", "ODEOPT060" };

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

    /// <summary>An assembly "Lib" compiled from <paramref name="source"/> without the generator, as a reference.</summary>
    private static MetadataReference LibraryWithoutGenerator(string source)
    {
        var library = Microsoft.CodeAnalysis.CSharp.CSharpCompilation.Create("Lib", new[] { GeneratorHarness.ParseText(source, "Lib.cs") },
            GeneratorHarness.References, new Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        using var image = new MemoryStream();
        var emitted = library.Emit(image);
        Assert.True(emitted.Success, string.Join("; ", emitted.Diagnostics));
        return MetadataReference.CreateFromImage(image.ToArray());
    }

    private static string RepositoryFile(string relative, [CallerFilePath] string callerFile = "") =>
        Path.Combine(Path.GetDirectoryName(callerFile)!, "..", "..", relative);

    /// <summary>Runs the generator on <paramref name="markedSource"/> and checks that it reports exactly one
    /// diagnostic: <paramref name="id"/>, an error, at the span marked [|...|].</summary>
    /// <param name="expectSource">Whether the declaration still yields generated code (only for findings that
    /// span several declarations); otherwise nothing may be generated.</param>
    private static GeneratorRun AssertReported(string id, string markedSource, bool expectSource = false, DiagnosticSeverity severity = DiagnosticSeverity.Error)
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
        return run;
    }

    private static string Format(Microsoft.CodeAnalysis.Text.LinePositionSpan span) =>
        "(" + (span.Start.Line + 1) + "," + (span.Start.Character + 1) + ")-(" + (span.End.Line + 1) + "," + (span.End.Character + 1) + ")";
}
