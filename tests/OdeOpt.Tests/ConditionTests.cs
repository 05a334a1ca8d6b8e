using System;
using System.Linq;
using OdeOpt.Optimizers;
using Xunit;

namespace OdeOpt.Tests;

/// <summary>A test optimizer whose conditions read the step size (as h and by name) and a flag.</summary>
[Optimizer("test-conditions")]
[ExplicitTableau("0", B = "1")]
[Condition("h * lipschitz <= 2", Reference = "forward Euler on an L-smooth loss: h <= 2 / L")]
[Condition("!clip || limit > 0")]
[Condition("learningRate < 1")]
public partial class ConditionProbe
{
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 0.1f;
    [Hyperparameter(Min = 0)] public float Lipschitz { get; set; } = 1f;
    [Hyperparameter] public bool Clip { get; set; }
    [Hyperparameter] public float Limit { get; set; }

    [Explicit("theta")] static float Theta(float g, bool clip, float limit) => clip ? -MathF.Max(-limit, MathF.Min(limit, g)) : -g;
}

/// <summary>[Condition] compiled into Validate(): the Belotto da Silva–Gazeau condition 3 + beta2 &gt; 4 beta1 on the
/// Adam family, and conditions over the step size and flags.</summary>
public class ConditionTests
{
    private const string AdamCondition = "3 + beta2 > 4 * beta1";

    /// <summary>The optimizers that integrate the Adam ODE with moment decays beta1, beta2 (not Adamax, whose second
    /// moment is a running maximum, not an exponential average: the condition's analysis does not cover it).</summary>
    public static readonly string[] AdamFamily =
    {
        "adam", "adamw", "nadam", "radam", "imex-trapezoidal-adam", "imex-midpoint-adam", "imex-ars233-adam", "adam-ode-euler",
    };

    public static TheoryData<string> AdamFamilyNames()
    {
        var data = new TheoryData<string>();
        foreach (var name in AdamFamily) data.Add(name);
        return data;
    }

    [Theory]
    [MemberData(nameof(AdamFamilyNames))]
    public void TheAdamFamilyCarriesTheConvergenceCondition(string name)
    {
        var info = OptimizerRegistry.GetInfo(name);
        var condition = Assert.Single(info.Conditions);
        Assert.Equal(AdamCondition, condition.Expression);
        Assert.Contains("Belotto da Silva", condition.Reference);

        // Through IOptimizer, as a program holding an optimizer from the registry sees it.
        IOptimizer optimizer = OptimizerRegistry.Create(name, 4);
        Assert.Empty(optimizer.Validate()); // the defaults 0.9, 0.999 satisfy it
        var training = (ITrainingOptimizer)optimizer;
        training.SetHyperparameter("Beta1", 0.95f);
        training.SetHyperparameter("Beta2", 0.9f);   // 3 + 0.9 = 3.9 > 4 * 0.95 = 3.8: holds
        Assert.Empty(optimizer.Validate());
        training.SetHyperparameter("Beta2", 0.5f);   // 3 + 0.5 = 3.5 > 3.8 fails
        var warning = Assert.Single(optimizer.Validate());
        Assert.Equal(AdamCondition, warning.Condition);
        Assert.Null(warning.Group);
        Assert.Equal(new[] { ("beta2", 0.5f), ("beta1", 0.95f) }, warning.Values.Select(v => (v.Key, v.Value)).ToArray());
        Assert.Equal("3 + beta2 > 4 * beta1 does not hold for beta2 = 0.5, beta1 = 0.95 (" + condition.Reference + ")", warning.ToString());
    }

    [Fact]
    public void AdamaxAndOtherSchemesDeclareNoCondition()
    {
        Assert.Empty(OptimizerRegistry.GetInfo("adamax").Conditions);
        Assert.Empty(OptimizerRegistry.GetInfo("sgd").Conditions);
        Assert.Empty(OptimizerRegistry.Create("sgd", 3).Validate());
    }

    [Fact]
    public void ParameterGroupsAreCheckedWithTheirOverrides()
    {
        var adam = new Adam(10);
        adam.Groups.Add(new ParameterGroup(0, 5, "fast") { ["Beta1"] = 0.99f, ["Beta2"] = 0.5f });
        adam.Groups.Add(new ParameterGroup(5, 5, "plain") { ["LearningRate"] = 0.1f });
        var warning = Assert.Single(adam.Validate());
        Assert.Equal("fast", warning.Group);
        Assert.StartsWith("parameter group 'fast': 3 + beta2 > 4 * beta1 does not hold", warning.ToString());
    }

    [Fact]
    public void ConditionsReadTheStepSizeAndFlags()
    {
        var probe = new ConditionProbe(3);
        Assert.Equal(3, ConditionProbe.StaticInfo.Conditions.Count);
        Assert.Empty(probe.Validate());

        probe.LearningRate = 0.5f;
        probe.Lipschitz = 8;
        var warning = Assert.Single(probe.Validate());
        Assert.Equal("h * lipschitz <= 2", warning.Condition);
        Assert.Equal(new[] { ("learningRate", 0.5f), ("lipschitz", 8f) }, warning.Values.Select(v => (v.Key, v.Value)).ToArray());

        probe.Lipschitz = 1;
        probe.Clip = true;
        warning = Assert.Single(probe.Validate());
        Assert.Equal("!clip || limit > 0", warning.Condition);
        probe.Limit = 1;
        Assert.Empty(probe.Validate());

        probe.LearningRate = 1.5f;
        probe.Lipschitz = 2;
        Assert.Equal(new[] { "h * lipschitz <= 2", "learningRate < 1" }, probe.Validate().Select(w => w.Condition).ToArray());
    }

    [Fact]
    public void AViolatedConditionIsAWarningNotAnError()
    {
        var adam = new Adam(2) { Beta1 = 0.99f, Beta2 = 0.5f };
        Assert.Single(adam.Validate());
        var p = new float[] { 1, 2 };
        adam.Step(p, new float[] { 1, 1 }); // steps anyway
        Assert.Equal(1, adam.StepCount);
    }

    [Fact]
    public void AnOptimizerWrittenBeforeValidateGetsTheDefault()
    {
        IOptimizer legacy = new Legacy();
        Assert.Empty(legacy.Validate());
    }

    private sealed class Legacy : IOptimizer
    {
        public OptimizerInfo Info => OptimizerRegistry.GetInfo("sgd");
        public int ParameterCount => 1;
        public long StepCount => 0;
        public void Step(Span<float> parameters, GradientFunction gradient) { }
        public void GetIterate(ReadOnlySpan<float> parameters, Span<float> iterate) { }
        public void Reset() { }
        public void SaveState(System.IO.Stream stream) { }
        public void LoadState(System.IO.Stream stream) { }
    }
}
