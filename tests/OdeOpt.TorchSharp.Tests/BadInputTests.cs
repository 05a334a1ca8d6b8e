using TorchSharp;
using System;
using System.Linq;
using OdeOpt.Optimizers;
using Xunit;
using static TorchSharp.torch;
using static OdeOpt.TorchSharp.Tests.Support;
using TorchParameter = TorchSharp.Modules.Parameter;

namespace OdeOpt.TorchSharp.Tests;

/// <summary>What the bridge refuses, and what it leaves untouched when it does.</summary>
public sealed class BadInputTests
{
    private static IntPtr Data(Tensor t) => LibTorchSharpNative.THSTensor_data(t.Handle);

    [Fact]
    public void A_float64_parameter_is_refused_by_name_and_no_parameter_is_moved()
    {
        var good = nn.Linear(3, 2);
        var bad = nn.Linear(2, 2).to(float64);
        var before = good.parameters().Select(Data).ToArray();
        var named = good.named_parameters().Concat(bad.named_parameters().Select(p => ("head." + p.name, p.parameter)));
        var e = Assert.Throws<ArgumentException>(() => OdeOptimizer.Create<Adam>(named));
        Assert.Contains("head.weight", e.Message);
        Assert.Contains("Float64", e.Message);
        Assert.Equal(before, good.parameters().Select(Data).ToArray());
    }

    [Fact]
    public void A_non_contiguous_parameter_is_refused()
    {
        var p = new TorchParameter(torch.randn(4, 3).t());
        Assert.False(p.is_contiguous());
        var e = Assert.Throws<ArgumentException>(() => OdeOptimizer.Create<Sgd>(new[] { ("transposed", p) }));
        Assert.Contains("transposed", e.Message);
        Assert.Contains("contiguous", e.Message);
    }

    [Fact]
    public void A_parameter_given_twice_or_an_unknown_group_option_is_refused()
    {
        var model = Mlp(1);
        var ps = model.parameters().ToArray();
        Assert.Throws<ArgumentException>(() => OdeOptimizer.Create<Adam>(new[] { new OdeOptParamGroup(ps), new OdeOptParamGroup(ps.Take(1)) }));
        var e = Assert.Throws<ArgumentException>(() => OdeOptimizer.Create<Adam>(new[] { new OdeOptParamGroup(ps) { ["Momentum"] = 0.9 } }));
        Assert.Contains("Momentum", e.Message);
        Assert.Throws<ArgumentException>(() => OdeOptimizer.Create("no-such-optimizer", ps));
        // A group object given twice, or one that belongs to another optimizer, is refused before anything moves.
        var group = new OdeOptParamGroup(ps.Take(2));
        Assert.Throws<ArgumentException>(() => OdeOptimizer.Create<Adam>(new[] { group, group }));
        using var owner = OdeOptimizer.Create<Adam>(new[] { group });
        var other = Mlp(2);
        var otherStorage = other.parameters().Select(Data).ToArray();
        var e2 = Assert.Throws<ArgumentException>(() => OdeOptimizer.Create<Adam>(new[] { group, new OdeOptParamGroup(other.parameters()) }));
        Assert.Contains("another optimizer", e2.Message);
        Assert.Equal(otherStorage, other.parameters().Select(Data).ToArray());
    }

    [Fact]
    public void Parameters_without_requires_grad_are_left_out_and_stay_as_they_are()
    {
        var (x, y) = Batch(5);
        var model = Mlp(2);
        var frozen = model.parameters().Take(2).ToArray();
        foreach (var p in frozen) p.requires_grad = false;
        var frozenValues = frozen.Select(p => Values(p)).ToArray();
        using var opt = OdeOptimizer.Create<Adam>(model.parameters(), a => a.LearningRate = 0.01f);
        Assert.Equal(4, opt.parameters().Count());
        for (int s = 0; s < 5; s++) TrainStep(opt, model, x, y);
        Assert.Equal(frozenValues, frozen.Select(p => Values(p)).ToArray());
    }

    [Fact]
    public void A_trainable_parameter_without_a_gradient_stops_the_step_before_anything_changes()
    {
        var (x, y) = Batch(5);
        var model = Mlp(2);
        var unused = new TorchParameter(torch.ones(5));
        var named = model.named_parameters().Append(("unused", unused));
        using var opt = OdeOptimizer.Create<Adam>(named, a => a.LearningRate = 0.01f);
        TrainStep(opt, model, x, y); // the unused gradient is still bound (zero) after the first step: it steps
        // Setting it to null (as Module.zero_grad() does) and not reaching it in backward leaves it missing.
        unused.grad = null;
        opt.Inner.GetType(); // nothing else
        var before = Values(opt.FlatParameters);
        var loss = Loss(model, x, y);
        loss.backward();
        var e = Assert.Throws<InvalidOperationException>(() => opt.step());
        Assert.Contains("unused", e.Message);
        Assert.Equal(before, Values(opt.FlatParameters));
        Assert.Equal(1, opt.StepCount);
    }

    [Fact]
    public void Module_zero_grad_unbinds_the_gradients_and_the_step_rebinds_them_with_the_same_result()
    {
        var (x, y) = Batch(6);
        var a = Mlp(3);
        var b = Mlp(3);
        using var oa = OdeOptimizer.Create<Adam>(a.parameters(), o => o.LearningRate = 0.01f);
        using var ob = OdeOptimizer.Create<Adam>(b.parameters(), o => o.LearningRate = 0.01f);
        for (int s = 0; s < 6; s++)
        {
            TrainStep(oa, a, x, y);
            b.zero_grad(); // TorchSharp's default: gradients set to null
            Assert.All(b.parameters(), p => Assert.Null(p.grad));
            Loss(b, x, y).backward(); // autograd creates new gradient tensors outside the flat buffer
            ob.step();
        }
        Assert.Equal(Values(oa.FlatParameters), Values(ob.FlatParameters));
        // After the step every gradient is a view of the flat gradient again.
        long offset = 0;
        foreach (var p in b.parameters())
        {
            Assert.Equal(Data(ob.FlatGradients) + (nint)(offset * sizeof(float)), LibTorchSharpNative.GradientData(p.Handle));
            offset += p.numel();
        }
    }

    [Fact]
    public void A_parameter_whose_storage_was_replaced_stops_the_step()
    {
        var (x, y) = Batch(6);
        var model = Mlp(3);
        using var opt = OdeOptimizer.Create<Sgd>(model.parameters(), o => o.LearningRate = 0.01f);
        TrainStep(opt, model, x, y);
        var first = model.parameters().First();
        using (no_grad()) first.set_(torch.zeros(first.shape));
        var e = Assert.Throws<InvalidOperationException>(() => TrainStep(opt, model, x, y));
        Assert.Contains("replaced", e.Message);
        Assert.Equal(1, opt.StepCount);
    }
}
