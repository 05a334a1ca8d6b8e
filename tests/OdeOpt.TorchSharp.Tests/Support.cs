using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using TorchParameter = TorchSharp.Modules.Parameter;

// TorchSharp's seed and thread count are process-wide.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace OdeOpt.TorchSharp.Tests;

internal static class Support
{
    /// <summary>A small MLP with six parameter tensors of different shapes, the same weights for the same seed.</summary>
    public static nn.Module<Tensor, Tensor> Mlp(int seed)
    {
        torch.manual_seed(seed);
        return nn.Sequential(
            ("fc1", nn.Linear(6, 16)), ("act1", nn.Tanh()),
            ("fc2", nn.Linear(16, 8)), ("act2", nn.Tanh()),
            ("fc3", nn.Linear(8, 3)));
    }

    /// <summary>A fixed regression batch.</summary>
    public static (Tensor X, Tensor Y) Batch(int seed, int n = 32, int inputs = 6, int outputs = 3)
    {
        using var g = new torch.Generator((ulong)seed);
        return (torch.randn(new long[] { n, inputs }, generator: g), torch.randn(new long[] { n, outputs }, generator: g));
    }

    public static Tensor Loss(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y) => nn.functional.mse_loss(model.forward(x), y);

    /// <summary>One training step the torch way: zero_grad, forward, backward, step.</summary>
    public static void TrainStep(optim.Optimizer opt, nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        using var scope = torch.NewDisposeScope();
        opt.zero_grad();
        var loss = Loss(model, x, y);
        loss.backward();
        opt.step();
    }

    public static float[][] Values(nn.Module model) =>
        model.parameters().Select(p => p.detach().cpu().data<float>().ToArray()).ToArray();

    public static float[] Values(Tensor t) => t.detach().contiguous().data<float>().ToArray();

    /// <summary>max |x - ref| / max |ref| of one tensor.</summary>
    public static double RelativeError(float[] x, float[] reference)
    {
        Assert.Equal(reference.Length, x.Length);
        double num = 0, den = 0;
        for (int i = 0; i < x.Length; i++)
        {
            num = Math.Max(num, Math.Abs((double)x[i] - reference[i]));
            den = Math.Max(den, Math.Abs((double)reference[i]));
        }
        return num / den;
    }

    /// <summary>Asserts every tensor of <paramref name="actual"/> within <paramref name="tolerance"/> of the reference, per tensor.</summary>
    public static void AssertClose(float[][] actual, float[][] reference, double tolerance, string what)
    {
        Assert.Equal(reference.Length, actual.Length);
        for (int k = 0; k < reference.Length; k++)
        {
            double e = RelativeError(actual[k], reference[k]);
            Assert.True(e <= tolerance, $"{what}: tensor {k} differs by {e:E3} (max |x - ref| / max |ref|), more than {tolerance:E1}.");
        }
    }

    public static IEnumerable<TorchParameter> Params(nn.Module m) => m.parameters();
}
