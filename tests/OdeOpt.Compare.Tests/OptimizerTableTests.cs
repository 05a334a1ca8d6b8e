using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;

namespace OdeOpt.Compare.Tests;

public sealed class OptimizerTableTests
{
    public static IEnumerable<object[]> Entries() =>
        OptimizerTable.All.SelectMany(kv => kv.Value.Select(s => new object[] { kv.Key, s.Label }));

    [Theory]
    [MemberData(nameof(Entries))]
    public void Every_table_entry_resolves_in_the_registry(string configuration, string label)
    {
        var setup = OptimizerTable.For(configuration).Single(s => s.Label == label);
        var optimizer = OptimizerFactory.Create(setup, 3);
        var info = OptimizerRegistry.GetInfo(setup.Name);
        foreach (var (name, value) in setup.Hyperparameters)
            Assert.Equal((float)value, (float)optimizer.GetType().GetProperty(name)!.GetValue(optimizer)!);
        Assert.Equal(info.Name, optimizer.Info.Name);
    }

    [Fact]
    public void Super_momentum_is_the_paper_rule()
    {
        // m_i = g m_(i-1) - eta grad L(theta_i + sigma m_(i-1)), theta_(i+1) = theta_i + m_i on L = theta^2/2 (grad = theta).
        var optimizer = OptimizerFactory.Create(OptimizerTable.Momentum("x", 0.1, 0.9, 3), 1);
        var p = new float[] { 1f };
        var theta = new float[1];
        double t = 1, m = 0;
        for (int i = 0; i < 20; i++)
        {
            optimizer.Step(p, (x, g) => g[0] = x[0]);
            m = 0.9 * m - 0.1 * (t + 3 * m);
            t += m;
            optimizer.GetIterate(p, theta);
            Assert.True(Math.Abs(t - theta[0]) < 1e-5, $"step {i}: {theta[0]} vs {t}");
        }
    }

    [Fact]
    public void Rmsprop_super_is_eq_16()
    {
        var setup = OptimizerTable.For(OptimizerTable.Nakerst2DRms).Single(s => OptimizerTable.SigmaOf(s) == 2);
        var optimizer = OptimizerFactory.Create(setup, 1);
        var p = new float[] { 2f };
        var theta = new float[1];
        double t = 2, m = 0, v = 0, eta = setup.Get("LearningRate"), beta2 = setup.Get("Beta2"), eps = setup.Get("Epsilon");
        for (int i = 0; i < 20; i++)
        {
            optimizer.Step(p, (x, g) => g[0] = 3 * x[0]);
            double q = 3 * (t + 2 * m);
            v = beta2 * v + (1 - beta2) * q * q;
            m = 0.9 * m - eta * q / Math.Sqrt(v + eps);
            t += m;
            optimizer.GetIterate(p, theta);
            Assert.True(Math.Abs(t - theta[0]) < 1e-5, $"step {i}: {theta[0]} vs {t}");
        }
    }

    [Fact]
    public void Generic_setup_sets_the_step_size()
    {
        var setup = OptimizerFactory.Generic("adam", 0.05);
        Assert.Equal(0.05, setup.Get("LearningRate"));
        Assert.Equal(0.05, OptimizerFactory.Generic("super-accelerated-momentum", 0.05).Get("LearningRate"));
    }

    [Fact]
    public void Bad_hyperparameters_are_clear_errors()
    {
        Assert.Contains("no hyperparameter 'Gamma'", Assert.Throws<ArgumentException>(() =>
            OptimizerFactory.Create(new OptimizerSetup("x", "adam", [new("Gamma", 1)]), 2)).Message);
        Assert.Contains("outside its range", Assert.Throws<ArgumentException>(() =>
            OptimizerFactory.Create(new OptimizerSetup("x", "adam", [new("Beta1", 1.5)]), 2)).Message);
    }

    [Fact]
    public void Validate_warnings_are_found_by_reflection()
    {
        Assert.Equal(["beta1 is large", "eps is tiny"], OptimizerFactory.ValidationWarnings(new FakeOptimizer()));
        Assert.Empty(OptimizerFactory.ValidationWarnings(OptimizerRegistry.Create("adam", 2)));
    }

    [Fact]
    public void The_Adam_convergence_condition_is_a_warning()
    {
        // IOptimizer.Validate of a generated optimizer: its [Condition]s, here 3 + beta2 > 4 beta1.
        var adam = OptimizerFactory.Create(new OptimizerSetup("x", "adam", [new("Beta1", 0.95), new("Beta2", 0.5)]), 2);
        var warning = Assert.Single(OptimizerFactory.ValidationWarnings(adam));
        Assert.StartsWith("3 + beta2 > 4 * beta1 does not hold for beta2 = 0.5, beta1 = 0.95 (Belotto da Silva", warning);
    }

    private sealed class FakeOptimizer : IOptimizer
    {
        public OptimizerInfo Info => OptimizerRegistry.GetInfo("sgd");
        public int ParameterCount => 1;
        public long StepCount => 0;
        public string[] Validate() => ["beta1 is large", "eps is tiny"];
        public void Step(Span<float> parameters, GradientFunction gradient) { }
        public void GetIterate(ReadOnlySpan<float> parameters, Span<float> iterate) { }
        public void Reset() { }
        public void SaveState(Stream stream) { }
        public void LoadState(Stream stream) { }
    }
}
