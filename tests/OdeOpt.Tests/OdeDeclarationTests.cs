using System;
using OdeOpt.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.Tests;

/// <summary>A user's Adam under a pair the library does not ship: three lines, the ODE from OdeOpt.dll (a referenced
/// assembly, read from its recorded declaration).</summary>
[Optimizer("test-user-ars222-adam", Order = 2, Ode = typeof(AdamOde))]
[ImexScheme(ImexSchemes.Ars222)]
public partial class UserArs222Adam;

/// <summary>An ODE declared in this assembly, with a let, an initial value and a condition, under two schemes.</summary>
[Ode]
[Condition("beta < 1", Reference = "test")]
public abstract class TestMomentumOde
{
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 0.01f;
    [Hyperparameter(Min = 0, Max = 1)] public float Beta { get; set; } = 0.5f;
    [Hyperparameter] public bool Maximize { get; set; }

    [Let("d")] static float D(float g, bool maximize) => maximize ? -g : g;
    [Explicit("u")] static float U(float d, float u, float beta) => -d - beta * u;
    [Implicit("theta")] static float Theta(float u) => u;
    [Initial("u")] static float U0(float d) => -d;
}

[Optimizer("test-momentum-ode-euler", Ode = typeof(TestMomentumOde))]
[ImexScheme(ImexSchemes.Euler)]
public partial class TestMomentumOdeEuler;

/// <summary>The same ODE with only an explicit tableau: the implicit part theta' = u is treated explicitly too.</summary>
[Optimizer("test-momentum-ode-explicit", Ode = typeof(TestMomentumOde))]
[ExplicitTableau("0", B = "1")]
public partial class TestMomentumOdeExplicit;

public class OdeDeclarationTests
{
    private readonly ITestOutputHelper _out;
    public OdeDeclarationTests(ITestOutputHelper output) => _out = output;

    [Fact]
    public void A_users_Adam_under_ARS222_matches_the_stage_by_stage_reference()
    {
        const int steps = 200;
        const float lr = 0.01f, b1 = 0.85f, b2 = 0.995f, eps = 1e-7f;
        var opt = new UserArs222Adam(TorchHarness.N) { LearningRate = lr, Beta1 = b1, Beta2 = b2, Epsilon = eps };
        Assert.Equal((2, 2, 3), (opt.Info.Order, opt.Info.GradientEvaluationsPerStep, opt.Info.Stages));
        Assert.Single(opt.Info.Conditions); // the ODE's [Condition] (Belotto da Silva & Gazeau)
        var p = Problems.ToFloat(TorchHarness.Start);
        var grad = Problems.ToFloat(TorchHarness.Rosenbrock, TorchHarness.N);
        for (int s = 0; s < steps; s++) opt.Step(p, grad);
        // ARS(2,2,2) (Ascher, Ruuth, Spiteri 1997): gamma = 1 - 1/sqrt 2, delta = 1 - 1/(2 gamma).
        double gamma = 1 - 1 / Math.Sqrt(2), delta = 1 - 1 / (2 * gamma);
        var A = new double[,] { { 0, 0, 0 }, { gamma, 0, 0 }, { delta, 1 - delta, 0 } };
        var B = new[] { delta, 1 - delta, 0 };
        var Ah = new double[,] { { 0, 0, 0 }, { 0, gamma, 0 }, { 0, 1 - gamma, gamma } };
        var Bh = new[] { 0, 1 - gamma, gamma };
        var reference = ImexTrapezoidalAdamTests.Reference(A, B, Ah, Bh, TorchHarness.Start, steps, lr, b1, b2, eps, (x, g) => Problems.RosenbrockGradient(x, g));
        double error = Problems.MaxRelativeError(p, reference);
        _out.WriteLine($"user ARS(2,2,2) Adam: error {error:E3} after {steps} steps; {opt.Info}");
        Assert.True(error <= 1e-5, $"error {error:E3}");
        Assert.True(Problems.MaxRelativeError(Problems.ToFloat(TorchHarness.Start), reference) > 0.1);
    }

    [Fact]
    public void The_generated_hyperparameters_carry_the_ODEs_defaults_ranges_and_flags()
    {
        var opt = new TestMomentumOdeEuler(4);
        Assert.Equal((0.01f, 0.5f, false), (opt.LearningRate, opt.Beta, opt.Maximize));
        Assert.Equal(new[] { "LearningRate", "Beta", "Maximize" }, System.Linq.Enumerable.Select(opt.Info.Hyperparameters, h => h.Name));
        Assert.True(opt.Info.Hyperparameters[2].IsFlag);
        Assert.Equal("beta < 1", Assert.Single(opt.Info.Conditions).Expression);
        opt.Beta = 2; // out of [0, 1]: rejected when the step begins, before anything is written
        var p = new float[] { 1, 2, 3, 4 };
        Assert.Throws<ArgumentOutOfRangeException>(() => opt.Step(p, new float[] { 1, 1, 1, 1 }));
        Assert.Equal(new float[] { 1, 2, 3, 4 }, p);
        Assert.Equal(0, opt.StepCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void One_ODE_under_IMEX_Euler_and_under_forward_Euler(bool maximize)
    {
        // f(x) = x^2 / 2 per coordinate (g = x), or its negation climbed with maximize.
        const double h = 0.1, beta = 0.3;
        var imex = new TestMomentumOdeEuler(3) { LearningRate = (float)h, Beta = (float)beta, Maximize = maximize };
        var fwd = new TestMomentumOdeExplicit(3) { LearningRate = (float)h, Beta = (float)beta, Maximize = maximize };
        Assert.Equal(1, imex.Info.GradientEvaluationsPerStep);
        Assert.Equal(1, fwd.Info.GradientEvaluationsPerStep);
        var x0 = new[] { 1.0, -2.0, 0.5 };
        var pi = Array.ConvertAll(x0, v => (float)v);
        var pf = Array.ConvertAll(x0, v => (float)v);
        var xi = (double[])x0.Clone();
        var xf = (double[])x0.Clone();
        var ui = new double[3];
        var uf = new double[3];
        GradientFunction grad = (x, g) => { for (int i = 0; i < x.Length; i++) g[i] = maximize ? -x[i] : x[i]; };
        for (int t = 1; t <= 30; t++)
        {
            imex.Step(pi, grad);
            fwd.Step(pf, grad);
            for (int i = 0; i < 3; i++)
            {
                double di = xi[i], df = xf[i]; // d = (maximize ? -g : g) with g = (maximize ? -x : x), so d = x
                if (t == 1) { ui[i] = -di; uf[i] = -df; } // [Initial("u")] = -d at the first gradient
                // IMEX Euler: U = u + h (-d - beta u); theta += h U (the implicit part reads the new u).
                ui[i] += h * (-di - beta * ui[i]);
                xi[i] += h * ui[i];
                // Forward Euler on the whole ODE: theta += h u (old u), then u.
                double uOld = uf[i];
                uf[i] += h * (-df - beta * uf[i]);
                xf[i] += h * uOld;
            }
        }
        double ei = Problems.MaxRelativeError(pi, xi), ef = Problems.MaxRelativeError(pf, xf);
        _out.WriteLine($"maximize={maximize}: IMEX Euler error {ei:E2}, forward Euler error {ef:E2}; the two differ by {Problems.MaxRelativeError(pi, xf):E2}");
        Assert.True(ei <= 1e-5 && ef <= 1e-5, $"{ei:E2} {ef:E2}");
        Assert.True(Problems.MaxRelativeError(pi, xf) > 1e-2); // the two schemes really differ
    }
}

/// <summary>Bogacki-Shampine 3(2) on the gradient flow: the embedded order is reported (the step propagates B).</summary>
[Optimizer("test-bs32-gradient-flow", Order = 3, EmbeddedOrder = 2, Ode = typeof(OdeOpt.Optimizers.GradientFlowOde))]
[ExplicitTableau("0 0 0 0; 1/2 0 0 0; 0 3/4 0 0; 2/9 1/3 4/9 0", B = "2/9 1/3 4/9 0", BHat = "7/24 1/4 1/3 1/8")]
public partial class Bs32GradientFlow;

public class EmbeddedInfoTests
{
    [Fact]
    public void Info_reports_the_embedded_order_and_zero_without_one()
    {
        var bs = new Bs32GradientFlow(3);
        Assert.Equal((3, 2), (bs.Info.Order, bs.Info.EmbeddedOrder));
        Assert.Equal(0, OdeOpt.Optimizers.GradientFlowRk4.StaticInfo.EmbeddedOrder);
        // The propagated solution is BS3's: one step on f = x^2 / 2 (g = x) from x = 1 with h = 0.5 gives R(-0.5) =
        // 1 - 0.5 + 0.125 - 0.0208333 (the cubic Taylor polynomial of e^-0.5, as for any three-stage order-3 method).
        bs.LearningRate = 0.5f;
        var p = new float[] { 1, 2, -1 };
        bs.Step(p, (x, g) => x.CopyTo(g));
        double r = 1 - 0.5 + 0.125 - 0.125 / 6;
        Assert.Equal(r, p[0], 6);
        Assert.Equal(2 * r, p[1], 6);
    }
}
