using TorchSharp;
using System;
using System.Linq;
using System.Runtime.InteropServices;
using OdeOpt.Optimizers;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;
using static OdeOpt.TorchSharp.Tests.Support;

namespace OdeOpt.TorchSharp.Tests;

/// <summary>A TorchSharp model in bfloat16 trained by an optimizer declared with [ParameterStorage] (adam-bf16): the
/// flat buffers are bfloat16, the step is the optimizer's bfloat16 step on them, and training follows TorchSharp's own
/// float32 Adam.</summary>
public sealed class BFloat16ModelTests
{
    private readonly ITestOutputHelper _out;
    public BFloat16ModelTests(ITestOutputHelper output) => _out = output;

    private static ushort[] Bits(Tensor t)
    {
        Assert.Equal(ScalarType.BFloat16, t.dtype);
        var c = t.contiguous();
        var raw = new short[c.numel()];
        Marshal.Copy(LibTorchSharpNative.THSTensor_data(c.Handle), raw, 0, raw.Length);
        return raw.Select(v => (ushort)v).ToArray();
    }

    private static nn.Module<Tensor, Tensor> Bf16Mlp(int seed)
    {
        var model = Mlp(seed);
        model.to(ScalarType.BFloat16);
        return model;
    }

    [Fact]
    public void A_bfloat16_model_steps_through_the_bfloat16_step_of_the_optimizer_on_its_flat_buffers()
    {
        var model = Bf16Mlp(3);
        using var opt = OdeOptimizer.Create("adam-bf16", model.parameters(), new System.Collections.Generic.Dictionary<string, double> { ["LearningRate"] = 0.01 });
        Assert.Equal(ScalarType.BFloat16, opt.FlatParameters.dtype);
        Assert.Equal(ScalarType.BFloat16, opt.FlatGradients.dtype);
        ((IBFloat16ParameterOptimizer)opt.Inner).StochasticRoundingSeed = 5;
        // The reference: the same optimizer type stepping copies of the flat buffers through its bfloat16 step.
        var reference = new AdamBFloat16((int)opt.FlatParameters.numel()) { LearningRate = 0.01f, StochasticRoundingSeed = 5 };
        var (x, y) = Batch(4);
        x = x.to(ScalarType.BFloat16);
        y = y.to(ScalarType.BFloat16);
        for (int step = 1; step <= 5; step++)
        {
            opt.zero_grad();
            Loss(model, x, y).backward();
            var p = Bits(opt.FlatParameters);
            var g = Bits(opt.FlatGradients);
            Assert.Contains(g, v => v != 0);
            reference.Step(p, g);
            opt.step();
            Assert.Equal(p, Bits(opt.FlatParameters));
            // The model's parameters are views of the flat buffer: the step reached them.
            Assert.Equal(p.Take((int)model.parameters().First().numel()), Bits(model.parameters().First()));
        }
        Assert.Equal(5, opt.StepCount);
    }

    [Fact]
    public void A_bfloat16_model_trains_like_a_float32_one_under_TorchSharps_Adam()
    {
        var (x, y) = Batch(7, n: 64);
        var f32 = Mlp(11);
        var bf16 = Bf16Mlp(11);
        using var peer = torch.optim.Adam(f32.parameters(), lr: 0.01);
        using var ours = OdeOptimizer.Create("adam-bf16", bf16.parameters(), new System.Collections.Generic.Dictionary<string, double> { ["LearningRate"] = 0.01 });
        var xb = x.to(ScalarType.BFloat16);
        var yb = y.to(ScalarType.BFloat16);
        double start = Loss(f32, x, y).item<float>();
        var losses = new (double F32, double Bf16)[4];
        for (int step = 1; step <= 200; step++)
        {
            TrainStep(peer, f32, x, y);
            ours.step(() =>
            {
                ours.zero_grad();
                var l = Loss(bf16, xb, yb);
                l.backward();
                return l;
            });
            if (step % 50 == 0)
                using (torch.no_grad())
                    losses[step / 50 - 1] = (Loss(f32, x, y).item<float>(), Loss(bf16, xb, yb).to(ScalarType.Float32).item<float>());
        }
        _out.WriteLine($"mse from {start:E3}: " + string.Join("; ", losses.Select((l, k) => $"step {(k + 1) * 50}: TorchSharp Adam float32 {l.F32:E3}, adam-bf16 bfloat16 {l.Bf16:E3}")));
        Assert.True(losses[^1].F32 < 0.5 * start, $"float32 Adam did not train: {start:E3} -> {losses[^1].F32:E3}");
        // Measured: 1.002, 1.001, 1.014 and 1.055 times the float32 run's loss at steps 50-200 (mse 1.16 -> 0.059).
        foreach (var (f, b) in losses) Assert.InRange(b / f, 0.9, 1.12);
    }

    [Fact]
    public void A_bfloat16_model_is_refused_by_a_float32_optimizer_and_a_mixed_one_by_adam_bf16()
    {
        var model = Bf16Mlp(1);
        var e = Assert.Throws<ArgumentException>(() => OdeOptimizer.Create<Adam>(model.named_parameters()));
        Assert.Contains("BFloat16", e.Message);
        Assert.Contains("adam-bf16", e.Message);
        var mixed = model.named_parameters().Concat(Mlp(2).named_parameters().Select(p => ("f32." + p.name, p.parameter)));
        var e2 = Assert.Throws<ArgumentException>(() => OdeOptimizer.Create<AdamBFloat16>(mixed));
        Assert.Contains("f32.", e2.Message);
        // A float32 model with adam-bf16 takes its float32 step (bfloat16 moments).
        using var f32 = OdeOptimizer.Create<AdamBFloat16>(Mlp(3).parameters());
        Assert.Equal(ScalarType.Float32, f32.FlatParameters.dtype);
    }
}
