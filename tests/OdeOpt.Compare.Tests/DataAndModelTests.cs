using System;
using System.Linq;
using OdeOpt.Compare.Data;
using OdeOpt.Compare.Models;
using OdeOpt.Compare.Problems;
using Xunit;

namespace OdeOpt.Compare.Tests;

public sealed class DataAndModelTests
{
    [Fact]
    public void Synthetic_images_are_deterministic_by_seed()
    {
        var a = SyntheticImages.Generate(40, seed: 5);
        var b = SyntheticImages.Generate(40, seed: 5);
        var c = SyntheticImages.Generate(40, seed: 6);
        Assert.Equal(a.Images, b.Images);
        Assert.Equal(a.Labels, b.Labels);
        Assert.NotEqual(a.Images, c.Images);
        Assert.All(a.Images, v => Assert.InRange(v, 0f, 1f));
        Assert.All(a.Labels, l => Assert.InRange(l, (byte)0, (byte)9));
        // A smaller count is a prefix of a larger one; the test stream differs from the training stream.
        Assert.Equal(a.Images.AsSpan(0, 10 * 784).ToArray(), SyntheticImages.Generate(10, seed: 5).Images);
        Assert.NotEqual(a.Images.AsSpan(0, 10 * 784).ToArray(), SyntheticImages.Generate(10, seed: 5, stream: 1).Images);
    }

    [Fact]
    public void Synthetic_classes_differ()
    {
        var set = SyntheticImages.Generate(400, seed: 1);
        var means = Enumerable.Range(0, 10).Select(c =>
        {
            var idx = Enumerable.Range(0, set.Count).Where(i => set.Labels[i] == c).ToArray();
            var mean = new double[784];
            foreach (var i in idx) for (int p = 0; p < 784; p++) mean[p] += set.Images[i * 784 + p] / idx.Length;
            return mean;
        }).ToArray();
        for (int c = 1; c < 10; c++)
            Assert.True(means[0].Zip(means[c], (x, y) => (x - y) * (x - y)).Sum() > 1, $"class 0 and {c} look alike");
    }

    [Fact]
    public void Regression_data_is_deterministic_by_seed_and_follows_the_paper()
    {
        var a = new LinearRegressionObjective(50, 1000, seed: 3);
        var b = new LinearRegressionObjective(50, 1000, seed: 3);
        var c = new LinearRegressionObjective(50, 1000, seed: 4);
        Assert.Equal(a.Targets.ToArray(), b.Targets.ToArray());
        Assert.NotEqual(a.Targets.ToArray(), c.Targets.ToArray());
        for (int n = 0; n < 5; n++)
            Assert.Equal(a.Features(n).ToArray().Sum(x => Math.Pow(x / 50, 3)), a.Targets[n], 15);
        Assert.Equal(51, a.Dimension);
        Assert.All(a.Start(), v => Assert.Equal(0.2f, v));
        Assert.True(a.MinimumLoss >= 0);
        // The reported loss is the excess over the least-squares minimum L*.
        Assert.True(a.Loss(a.Start()) > 1);
    }

    [Fact]
    public void Test_functions_have_their_published_minima()
    {
        var (x, y, l) = TestFunctions.NakerstMinimum();
        Assert.Equal(1.690376, x, 5);
        Assert.Equal(1.963396, y, 5);
        Assert.Equal(0.2456385071, l, 9);
        var (gx, gy) = TestFunctions.NakerstGradient(x, y);
        Assert.True(Math.Abs(gx) + Math.Abs(gy) < 1e-10);
        Assert.Equal(304.61, TestFunctions.Nakerst(-1, -3.8), 2);
        Assert.Equal(0, TestFunctions.Rosenbrock([1, 1, 1, 1]));
        var g = new double[3];
        TestFunctions.RosenbrockGradient([1, 1, 1], g);
        Assert.All(g, v => Assert.Equal(0, v));
        Assert.Equal(16 + Math.Pow(1.5, 4), TestFunctions.Quartic(0.5, -2.5), 12);
        // Gradients against central differences.
        const double h = 1e-6;
        var (qx, qy) = TestFunctions.QuarticGradient(0.3, -0.7);
        Assert.Equal((TestFunctions.Quartic(0.3 + h, -0.7) - TestFunctions.Quartic(0.3 - h, -0.7)) / (2 * h), qx, 6);
        Assert.Equal((TestFunctions.Quartic(0.3, -0.7 + h) - TestFunctions.Quartic(0.3, -0.7 - h)) / (2 * h), qy, 6);
        var (nx, ny) = TestFunctions.NakerstGradient(-1, -3.8);
        Assert.Equal((TestFunctions.Nakerst(-1 + h, -3.8) - TestFunctions.Nakerst(-1 - h, -3.8)) / (2 * h), nx, 4);
        Assert.Equal((TestFunctions.Nakerst(-1, -3.8 + h) - TestFunctions.Nakerst(-1, -3.8 - h)) / (2 * h), ny, 4);
    }
}
