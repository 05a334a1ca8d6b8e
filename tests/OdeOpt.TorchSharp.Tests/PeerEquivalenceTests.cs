using System;
using System.Collections.Generic;
using OdeOpt.Optimizers;
using Xunit;
using static TorchSharp.torch;
using static OdeOpt.TorchSharp.Tests.Support;

namespace OdeOpt.TorchSharp.Tests;

/// <summary>OdeOpt inside TorchSharp against TorchSharp's own optimizer of the same name (the peer): the same MLP from the
/// same weights, the same batch, 20 steps, non-default options; every parameter tensor within 1e-5 (max |x - ref| / max |ref|).</summary>
public sealed class PeerEquivalenceTests
{
    private const int Steps = 20;
    private const double Tolerance = 1e-5;

    public static IEnumerable<object[]> Cases() => new[]
    {
        new object[] { "adam" }, new object[] { "adam-amsgrad" }, new object[] { "adamw" }, new object[] { "sgd-momentum" },
        new object[] { "sgd-nesterov" }, new object[] { "rmsprop-centered" }, new object[] { "adagrad" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Equals_TorchSharps_own_optimizer(string which)
    {
        var (x, y) = Batch(7);
        var peerModel = Mlp(11);
        var odeModel = Mlp(11);
        AssertClose(Values(odeModel), Values(peerModel), 0, "initial weights");

        using var peer = Peer(which, peerModel);
        using var ode = Ode(which, odeModel);
        for (int s = 0; s < Steps; s++)
        {
            TrainStep(peer, peerModel, x, y);
            TrainStep(ode, odeModel, x, y);
        }
        AssertClose(Values(odeModel), Values(peerModel), Tolerance, which);
        Assert.Equal(Steps, ode.StepCount);
        // The run moved the weights well beyond the tolerance: the comparison is not of two untouched models.
        Assert.True(RelativeError(Values(odeModel)[0], Values(Mlp(11))[0]) > 1e-3);
    }

    internal static optim.Optimizer Peer(string which, nn.Module model) => which switch
    {
        "adam" => optim.Adam(model.parameters(), lr: 0.01, beta1: 0.8, beta2: 0.99, eps: 1e-7, weight_decay: 0.01),
        "adam-amsgrad" => optim.Adam(model.parameters(), lr: 0.01, beta1: 0.85, beta2: 0.95, eps: 1e-6, amsgrad: true),
        "adamw" => optim.AdamW(model.parameters(), lr: 0.01, beta1: 0.8, beta2: 0.99, eps: 1e-7, weight_decay: 0.1),
        "sgd-momentum" => optim.SGD(model.parameters(), 0.05, momentum: 0.9, dampening: 0.1, weight_decay: 0.01),
        "sgd-nesterov" => optim.SGD(model.parameters(), 0.05, momentum: 0.8, weight_decay: 0.01, nesterov: true),
        "rmsprop-centered" => optim.RMSProp(model.parameters(), lr: 0.005, alpha: 0.9, eps: 1e-6, weight_decay: 0.01, momentum: 0.5, centered: true),
        "adagrad" => optim.Adagrad(model.parameters(), lr: 0.05, lr_decay: 0.01, weight_decay: 0.01, initial_accumulator_value: 0.1, eps: 1e-9),
        _ => throw new ArgumentException(which),
    };

    internal static OdeOptimizer Ode(string which, nn.Module model) => which switch
    {
        "adam" => OdeOptimizer.Create<Adam>(model.named_parameters(), a => { a.LearningRate = 0.01f; a.Beta1 = 0.8f; a.Beta2 = 0.99f; a.Epsilon = 1e-7f; a.WeightDecay = 0.01f; }),
        "adam-amsgrad" => OdeOptimizer.Create<Adam>(model.named_parameters(), a => { a.LearningRate = 0.01f; a.Beta1 = 0.85f; a.Beta2 = 0.95f; a.Epsilon = 1e-6f; a.Amsgrad = true; }),
        "adamw" => OdeOptimizer.Create<AdamW>(model.named_parameters(), a => { a.LearningRate = 0.01f; a.Beta1 = 0.8f; a.Beta2 = 0.99f; a.Epsilon = 1e-7f; a.WeightDecay = 0.1f; }),
        "sgd-momentum" => OdeOptimizer.Create<Sgd>(model.named_parameters(), a => { a.LearningRate = 0.05f; a.Momentum = 0.9f; a.Dampening = 0.1f; a.WeightDecay = 0.01f; }),
        "sgd-nesterov" => OdeOptimizer.Create<Sgd>(model.named_parameters(), a => { a.LearningRate = 0.05f; a.Momentum = 0.8f; a.WeightDecay = 0.01f; a.Nesterov = true; }),
        "rmsprop-centered" => OdeOptimizer.Create<RmsProp>(model.named_parameters(), a => { a.LearningRate = 0.005f; a.Alpha = 0.9f; a.Epsilon = 1e-6f; a.WeightDecay = 0.01f; a.Momentum = 0.5f; a.Centered = true; }),
        "adagrad" => OdeOptimizer.Create<Adagrad>(model.named_parameters(), a => { a.LearningRate = 0.05f; a.LearningRateDecay = 0.01f; a.WeightDecay = 0.01f; a.InitialAccumulatorValue = 0.1f; a.Epsilon = 1e-9f; }),
        _ => throw new ArgumentException(which),
    };

    [Fact]
    public void By_registry_name_with_options_equals_the_typed_form()
    {
        var (x, y) = Batch(3);
        var a = Mlp(5);
        var b = Mlp(5);
        using var typed = Ode("adamw", a);
        using var named = OdeOptimizer.Create("adamw", b.parameters(), new Dictionary<string, double>
        {
            ["LearningRate"] = 0.01, ["Beta1"] = 0.8, ["Beta2"] = 0.99, ["Epsilon"] = 1e-7, ["WeightDecay"] = 0.1,
        });
        for (int s = 0; s < 5; s++) { TrainStep(typed, a, x, y); TrainStep(named, b, x, y); }
        AssertClose(Values(b), Values(a), 0, "by name");
    }
}
