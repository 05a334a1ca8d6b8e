using System;
using System.Linq;
using OdeOpt.Compare.Data;
using OdeOpt.Compare.Models;
using OdeOpt.Compare.Problems;
using Xunit;

namespace OdeOpt.Compare.Tests;

public sealed class DenseNetTests
{
    [Fact]
    public void Initialisation_is_Nielsens_deterministic_and_scaled_by_fan_in()
    {
        var net = MlpProblem.Network([784, 15, 15, 10], Cost.Quadratic);
        Assert.Equal(784 * 15 + 15 + 15 * 15 + 15 + 15 * 10 + 10, net.ParameterCount);
        var a = net.Initialize(9);
        Assert.Equal(a, net.Initialize(9));
        Assert.NotEqual(a, net.Initialize(10));
        double Variance(int from, int to) => a.AsSpan(from, to - from).ToArray().Average(w => (double)w * w);
        Assert.InRange(Variance(net.WeightOffset(1), net.BiasOffset(1)) * 784, 0.9, 1.1);
        Assert.InRange(Variance(net.WeightOffset(2), net.BiasOffset(2)) * 15, 0.7, 1.3);
        Assert.InRange(Variance(net.WeightOffset(3), net.BiasOffset(3)) * 15, 0.6, 1.4);
        // Biases: standard deviation 1 (Nielsen, chapter 3), 40 of them here.
        var biases = Enumerable.Range(1, 3).SelectMany(l => a.AsSpan(net.BiasOffset(l), net.Sizes[l]).ToArray()).ToArray();
        Assert.InRange(biases.Average(b => (double)b * b), 0.5, 1.6);
    }

    /// <summary>The three costs written out by hand on a 2-2-2 network with chosen weights, in double precision.</summary>
    [Theory]
    [InlineData(Cost.Quadratic)]
    [InlineData(Cost.Distance)]
    [InlineData(Cost.SoftmaxCrossEntropy)]
    public void The_costs_are_the_written_out_formulas(Cost cost)
    {
        var net = new DenseNet([2, 2, 2], Activation.Sigmoid, Activation.Sigmoid, cost);
        float[] p = [0.5f, -1f, 2f, 0.25f, /* b1 */ 0.1f, -0.2f, /* W2 */ 1.5f, -0.5f, 0.3f, 0.8f, /* b2 */ -0.4f, 0.2f];
        float[] x = [0.3f, 0.9f, -0.6f, 0.2f, 1.0f, -1.0f];
        int[] labels = [0, 1, 1];
        var data = Dataset.Classification(x, 2, labels, 2);
        static double S(double z) => 1 / (1 + Math.Exp(-z));
        double expected = 0;
        int correct = 0;
        for (int n = 0; n < 3; n++)
        {
            double x0 = x[2 * n], x1 = x[2 * n + 1];
            double h0 = S(p[0] * x0 + p[1] * x1 + p[4]), h1 = S(p[2] * x0 + p[3] * x1 + p[5]);
            double z0 = p[6] * h0 + p[7] * h1 + p[10], z1 = p[8] * h0 + p[9] * h1 + p[11];
            double a0 = S(z0), a1 = S(z1), y0 = labels[n] == 0 ? 1 : 0, y1 = 1 - y0;
            double squared = (y0 - a0) * (y0 - a0) + (y1 - a1) * (y1 - a1);
            expected += cost switch
            {
                Cost.Quadratic => squared / 2,
                Cost.Distance => Math.Sqrt(squared),
                _ => -Math.Log(Math.Exp(labels[n] == 0 ? z0 : z1) / (Math.Exp(z0) + Math.Exp(z1))),
            };
            if ((cost == Cost.SoftmaxCrossEntropy ? (z1 > z0 ? 1 : 0) : (a1 > a0 ? 1 : 0)) == labels[n]) correct++;
        }
        var (c, k) = net.Evaluate(p, data, [0, 1, 2], Span<float>.Empty);
        Assert.Equal(expected / 3, c, 6);
        Assert.Equal(correct, k);
    }

    [Theory]
    [InlineData(0, Cost.Quadratic)]
    [InlineData(1, Cost.Distance)]
    public void The_image_networks_gradient_matches_finite_differences(int seed, Cost cost)
    {
        var data = Dataset.Of(SyntheticImages.Generate(12, seed));
        var net = MlpProblem.Network(MlpProblem.Networks[seed], cost);
        AssertGradient(net, data, net.Initialize(seed + 100), seed, 2e-2f);
    }

    [Fact]
    public void The_regression_and_softmax_networks_gradients_match_finite_differences()
    {
        var sine = ImexAdamProblem.Sine();
        var regression = new DenseNet([1, 5, 5, 1], Activation.Tanh, Activation.Identity, Cost.Quadratic);
        AssertGradient(regression, sine, regression.Initialize(3), 3, 1e-2f, every: 16);
        var spirals = ImexAdamProblem.Spirals(2);
        var softmax = new DenseNet([2, 6, 6, 2], Activation.Tanh, Activation.Identity, Cost.SoftmaxCrossEntropy);
        AssertGradient(softmax, spirals, softmax.Initialize(4), 4, 1e-2f, every: 20);
    }

    [Fact]
    public void A_call_is_the_mean_of_its_examples_whatever_the_chunks()
    {
        var data = Dataset.Of(SyntheticImages.Generate(19, 5));
        var net = MlpProblem.Network([784, 30, 10], Cost.Quadratic);
        var p = net.Initialize(1);
        var all = Enumerable.Range(0, 19).ToArray();
        var g = new float[net.ParameterCount];
        var (cost, correct) = net.Evaluate(p, data, all, g);
        double sum = 0;
        int right = 0;
        var sumG = new double[net.ParameterCount];
        var one = new float[net.ParameterCount];
        foreach (var i in all)
        {
            var (c, k) = net.Evaluate(p, data, [i], one);
            sum += c;
            right += k;
            for (int j = 0; j < one.Length; j++) sumG[j] += one[j];
        }
        Assert.Equal(sum / 19, cost, 6);
        Assert.Equal(right, correct);
        for (int j = 0; j < g.Length; j += 97) Assert.Equal(sumG[j] / 19, g[j], 5);
    }

    [Fact]
    public void Mini_batches_repeat_for_every_run_and_differ_between_batch_seeds()
    {
        var data = Dataset.Of(SyntheticImages.Generate(50, 2));
        var net = MlpProblem.Network([784, 30, 10], Cost.Quadratic);
        var objective = new NetObjective(net, data, data, batchSize: 10, initSeed: 4, batchSeed: 5);
        var p = objective.Start();
        var g1 = new float[net.ParameterCount];
        var g2 = new float[net.ParameterCount];
        objective.BeginStep(1);
        objective.Gradient(p, g1);
        objective.Start();
        objective.BeginStep(1);
        objective.Gradient(p, g2);
        Assert.Equal(g1, g2);
        objective.BeginStep(2);
        objective.Gradient(p, g2);
        Assert.NotEqual(g1, g2);
        var other = new NetObjective(net, data, data, batchSize: 10, initSeed: 4, batchSeed: 6);
        Assert.Equal(p, other.Start());
        other.BeginStep(1);
        other.Gradient(p, g2);
        Assert.NotEqual(g1, g2);
        // Each report records the accuracy on the evaluation set.
        objective.Start();
        objective.Loss(p);
        Assert.Single(objective.Accuracies);
        Assert.Equal(net.Accuracy(p, data), objective.Accuracies[0]);
    }

    private static void AssertGradient(DenseNet net, Dataset data, float[] p, int seed, float h, int every = 1)
    {
        var indices = Enumerable.Range(0, data.Count).Where(i => i % every == 0).ToArray();
        var gradient = new float[net.ParameterCount];
        net.Evaluate(p, data, indices, gradient);
        var rng = new Random(seed);
        var coordinates = Enumerable.Range(0, 80).Select(_ => rng.Next(net.ParameterCount))
            .Concat(Enumerable.Range(1, net.Sizes.Count - 1).SelectMany(l => Enumerable.Range(net.BiasOffset(l), net.Sizes[l]))).Distinct().ToArray();
        double errorSquared = 0, normSquared = 0;
        foreach (var i in coordinates)
        {
            float keep = p[i];
            p[i] = keep + h;
            double up = net.Evaluate(p, data, indices, Span<float>.Empty).Cost;
            p[i] = keep - h;
            double down = net.Evaluate(p, data, indices, Span<float>.Empty).Cost;
            p[i] = keep;
            double fd = (up - down) / (2 * h);
            errorSquared += (fd - gradient[i]) * (fd - gradient[i]);
            normSquared += gradient[i] * (double)gradient[i];
            Assert.True(Math.Abs(fd - gradient[i]) <= 2e-3 + 3e-2 * Math.Abs(fd), $"coordinate {i}: finite difference {fd}, gradient {gradient[i]}");
        }
        Assert.True(normSquared > 0);
        Assert.True(Math.Sqrt(errorSquared / normSquared) < 2e-2, $"relative error {Math.Sqrt(errorSquared / normSquared)}");
    }
}
