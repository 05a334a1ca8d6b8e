using System;
using System.Linq;
using System.Text.RegularExpressions;
using OdeOpt.Optimizers;
using Xunit;

namespace OdeOpt.Tests;

/// <summary>The built-in catalog: every optimizer is registered under a kebab-case name, and its Info states the scheme's
/// stages, gradients per step and order.</summary>
public class CatalogTests
{
    // name, type, stages, gradients per step, first same as last, order
    public static TheoryData<string, Type, int, int, bool, int> BuiltIns => new()
    {
        { "sgd", typeof(Sgd), 1, 1, false, 1 },
        { "adam", typeof(Adam), 2, 1, false, 1 },
        { "adamw", typeof(AdamW), 2, 1, false, 1 },
        { "adamax", typeof(Adamax), 2, 1, false, 1 },
        { "nadam", typeof(NAdam), 1, 1, false, 1 },
        { "radam", typeof(RAdam), 2, 1, false, 1 },
        { "rmsprop", typeof(RmsProp), 1, 1, false, 1 },
        { "adagrad", typeof(Adagrad), 1, 1, false, 1 },
        { "adadelta", typeof(Adadelta), 1, 1, false, 1 },
        { "heavy-ball", typeof(HeavyBall), 2, 1, false, 1 },
        { "nesterov-momentum", typeof(NesterovMomentum), 2, 1, false, 1 },
        { "super-accelerated-momentum", typeof(SuperAcceleratedMomentum), 2, 1, false, 1 },
        { "super-accelerated-rmsprop", typeof(SuperAcceleratedRmsProp), 2, 1, false, 1 },
        { "gradient-flow-euler", typeof(GradientFlowEuler), 1, 1, false, 1 },
        { "gradient-flow-heun", typeof(GradientFlowHeun), 2, 2, false, 2 },
        { "gradient-flow-rk4", typeof(GradientFlowRk4), 4, 4, false, 4 },
        { "gradient-flow-tvd-rk3", typeof(GradientFlowTvdRk3), 3, 3, false, 3 },
        { "backward-euler-gradient-flow", typeof(BackwardEulerGradientFlow), 1, 1, false, 1 },
        { "trapezoidal-gradient-flow", typeof(TrapezoidalGradientFlow), 2, 2, false, 2 },
        { "implicit-damped-newton", typeof(ImplicitDampedNewton), 1, 1, false, 1 },
        { "adaptive-bs3-gradient-flow", typeof(AdaptiveBs3GradientFlow), 4, 3, true, 3 },
        { "adaptive-dp5-gradient-flow", typeof(AdaptiveDp5GradientFlow), 7, 6, true, 5 },
        { "armijo-gradient-descent", typeof(ArmijoGradientDescent), 1, 1, false, 1 },
        { "newton-euler", typeof(NewtonEuler), 1, 1, false, 1 },
        { "symplectic-euler-momentum", typeof(SymplecticEulerMomentum), 2, 1, false, 1 },
        { "backward-euler-damped-momentum", typeof(BackwardEulerDampedMomentum), 2, 1, false, 1 },
        { "velocity-verlet", typeof(VelocityVerlet), 3, 1, true, 2 },
        { "newmark-average-acceleration", typeof(NewmarkAverageAcceleration), 4, 2, false, 2 },
        { "adam-bf16", typeof(AdamBFloat16), 2, 1, false, 1 },
        { "adam-ode-euler", typeof(AdamOdeEuler), 2, 1, false, 1 },
        { "imex-trapezoidal-adam", typeof(ImexTrapezoidalAdam), 2, 1, true, 2 },
        { "imex-midpoint-adam", typeof(ImexMidpointAdam), 2, 2, false, 2 },
        { "imex-ars233-adam", typeof(ImexArs233Adam), 3, 3, false, 3 },
        { "lion", typeof(Lion), 1, 1, false, 1 },
        { "adabelief", typeof(AdaBelief), 2, 1, false, 1 },
        { "adan", typeof(Adan), 2, 1, false, 1 },
        { "schedule-free-sgd", typeof(ScheduleFreeSgd), 1, 1, false, 1 },
        { "schedule-free-adamw", typeof(ScheduleFreeAdamW), 1, 1, false, 1 },
        { "laprop", typeof(LaProp), 1, 1, false, 1 },
        { "ademamix", typeof(AdEMAMix), 2, 1, false, 1 },
        { "lamb", typeof(Lamb), 1, 1, false, 1 },
        { "lars", typeof(Lars), 1, 1, false, 1 },
    };

    [Theory]
    [MemberData(nameof(BuiltIns))]
    public void Info_is_correct(string name, Type type, int stages, int gradients, bool firstSameAsLast, int order)
    {
        var info = OptimizerRegistry.GetInfo(name);
        Assert.Equal(type, info.OptimizerType);
        Assert.Equal(stages, info.Stages);
        Assert.Equal(gradients, info.GradientEvaluationsPerStep);
        Assert.Equal(firstSameAsLast, info.FirstSameAsLast);
        Assert.Equal(order, info.Order);
        Assert.Equal("theta", info.StateVariables[0]);
        // One gradient per step, always: the caller-gradient form. A solve or a controller needs the closure form.
        Assert.Equal(gradients == 1 && info.GradientCount.IsFixed, typeof(ISingleGradientOptimizer).IsAssignableFrom(type));
        var created = OptimizerRegistry.Create(name, 3);
        Assert.IsType(type, created);
        Assert.Same(info, created.Info);
    }

    [Fact]
    public void Every_built_in_is_registered_under_a_kebab_case_name()
    {
        var builtIns = OptimizerRegistry.All.Where(i => i.OptimizerType.Assembly == typeof(Adam).Assembly).ToList();
        var expected = BuiltIns.Select(row => (string)row[0]).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, builtIns.Select(i => i.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray());
        foreach (var info in builtIns)
        {
            Assert.Matches(new Regex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$"), info.Name);
            Assert.Contains(info.Name, OptimizerRegistry.Names);
            Assert.Equal("OdeOpt.Optimizers", info.OptimizerType.Namespace);
        }
    }

    /// <summary>The README's table of built-ins states each one's gradients per step, bytes per step and undo bytes as
    /// its Info does (a row per registered built-in, none missing).</summary>
    [Fact]
    public void The_README_table_matches_Info()
    {
        var dir = new System.IO.DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !System.IO.File.Exists(System.IO.Path.Combine(dir.FullName, "README.md"))) dir = dir.Parent;
        Assert.NotNull(dir);
        var rows = System.IO.File.ReadAllLines(System.IO.Path.Combine(dir!.FullName, "README.md"))
            .Select(l => Regex.Match(l, @"^\| `([a-z0-9-]+)` \| `\w+` \|.*\| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|$"))
            .Where(m => m.Success).ToDictionary(m => m.Groups[1].Value);
        var builtIns = OptimizerRegistry.All.Where(i => i.OptimizerType.Assembly == typeof(Adam).Assembly).ToList();
        Assert.Equal(builtIns.Select(i => i.Name).OrderBy(n => n), rows.Keys.OrderBy(n => n));
        foreach (var info in builtIns)
        {
            var m = rows[info.Name];
            Assert.True(info.GradientEvaluationsPerStep == int.Parse(m.Groups[3].Value), info.Name + ": gradients / step");
            Assert.True(info.BytesPerParameterPerStep == int.Parse(m.Groups[5].Value), info.Name + ": bytes");
            Assert.True(info.RollbackBytesPerParameter == int.Parse(m.Groups[6].Value), info.Name + ": undo bytes");
        }
    }
}
