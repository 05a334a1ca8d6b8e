using System;
using System.IO;
using System.Linq;
using OdeOpt.Optimizers;
using Xunit;
using static TorchSharp.torch;
using static OdeOpt.TorchSharp.Tests.Support;
using TorchAdam = TorchSharp.Modules.Adam;

namespace OdeOpt.TorchSharp.Tests;

/// <summary>Parameter groups, TorchSharp's schedulers driving them, state round trips, allocation.</summary>
public sealed class TrainingControlTests
{
    [Fact]
    public void Groups_with_their_own_learning_rates_and_weight_decays_under_a_TorchSharp_scheduler_equal_TorchSharps_Adam()
    {
        var (x, y) = Batch(21);
        var peerModel = Mlp(4);
        var odeModel = Mlp(4);
        var peerParams = peerModel.parameters().ToArray();
        var odeParams = odeModel.parameters().ToArray();
        using var peer = optim.Adam(new[]
        {
            new TorchAdam.ParamGroup(peerParams.Take(2), lr: 0.02, beta1: 0.9, beta2: 0.99, eps: 1e-7, weight_decay: 0),
            new TorchAdam.ParamGroup(peerParams.Skip(2), lr: 0.005, beta1: 0.9, beta2: 0.99, eps: 1e-7, weight_decay: 0.05),
        }, lr: 0.01, beta1: 0.9, beta2: 0.99, eps: 1e-7);
        var first = new OdeOptParamGroup(odeParams.Take(2)) { ["lr"] = 0.02, ["WeightDecay"] = 0 };
        var second = new OdeOptParamGroup(odeParams.Skip(2)) { LearningRate = 0.005, ["WeightDecay"] = 0.05 };
        using var ode = OdeOptimizer.Create<Adam>(new[] { first, second }, a => { a.LearningRate = 0.01f; a.Beta2 = 0.99f; a.Epsilon = 1e-7f; });
        Assert.Equal(0.02, first.InitialLearningRate, 6);
        Assert.Equal(0.005, second.InitialLearningRate, 6);

        var peerSchedule = optim.lr_scheduler.StepLR(peer, 4, 0.5);
        var odeSchedule = optim.lr_scheduler.StepLR(ode, 4, 0.5);
        for (int s = 0; s < 12; s++)
        {
            TrainStep(peer, peerModel, x, y);
            TrainStep(ode, odeModel, x, y);
            peerSchedule.step();
            odeSchedule.step();
        }
        // The scheduler set the groups' rates: 0.02 * 0.5^3 after 12 steps, and the steps used them.
        Assert.Equal(0.02 * 0.125, ode.Groups[0].LearningRate, 6);
        Assert.Equal(0.005 * 0.125, ode.Groups[1].LearningRate, 6);
        Assert.Equal(peer.ParamGroups.Select(g => g.LearningRate), ode.ParamGroups.Select(g => g.LearningRate), (a, b) => Math.Abs(a - b) < 1e-9);
        AssertClose(Values(odeModel), Values(peerModel), 1e-5, "groups under StepLR");
    }

    [Fact]
    public void A_state_round_trip_continues_bit_identically()
    {
        var (x, y) = Batch(8);
        var model = Mlp(9);
        var groups = new[]
        {
            new OdeOptParamGroup(model.parameters().Take(4)) { ["WeightDecay"] = 0.01 },
            new OdeOptParamGroup(model.parameters().Skip(4)) { LearningRate = 0.003 },
        };
        using var opt = OdeOptimizer.Create<Adam>(groups, a => { a.LearningRate = 0.01f; a.Amsgrad = true; });
        for (int s = 0; s < 5; s++) TrainStep(opt, model, x, y);
        var saved = new MemoryStream();
        opt.save_state_dict(saved);
        var weights = Values(opt.FlatParameters);
        for (int s = 0; s < 5; s++) TrainStep(opt, model, x, y);
        var continued = Values(opt.FlatParameters);

        var other = Mlp(123); // other weights, same shapes
        using var restored = OdeOptimizer.Create<Adam>(new[]
        {
            new OdeOptParamGroup(other.parameters().Take(4)),
            new OdeOptParamGroup(other.parameters().Skip(4)),
        });
        using (no_grad()) restored.FlatParameters.copy_(tensor(weights));
        saved.Position = 0;
        restored.load_state_dict(saved);
        Assert.Equal(5, restored.StepCount);
        Assert.Equal(0.003, restored.Groups[1].LearningRate, 7);
        Assert.Equal(0.01, restored.Groups[0]["WeightDecay"]!.Value, 7);
        for (int s = 0; s < 5; s++) TrainStep(restored, other, x, y);
        Assert.Equal(continued, Values(restored.FlatParameters));
    }

    [Fact]
    public void A_state_of_another_layout_or_a_truncated_stream_is_refused_and_nothing_changes()
    {
        var (x, y) = Batch(8);
        var model = Mlp(9);
        using var opt = OdeOptimizer.Create<Adam>(model.parameters());
        for (int s = 0; s < 3; s++) TrainStep(opt, model, x, y);
        var saved = new MemoryStream();
        opt.save_state_dict(saved);

        var small = nn.Linear(6, 3);
        using var other = OdeOptimizer.Create<Adam>(small.parameters());
        saved.Position = 0;
        Assert.Throws<InvalidDataException>(() => other.load_state_dict(saved));
        Assert.Equal(0, other.StepCount);

        var truncated = new MemoryStream(saved.ToArray().AsSpan(0, (int)saved.Length - 9).ToArray());
        var fresh = Mlp(9);
        using var target = OdeOptimizer.Create<Adam>(fresh.parameters());
        Assert.Throws<InvalidDataException>(() => target.load_state_dict(truncated));
        Assert.Equal(0, target.StepCount);
        using var sgd = OdeOptimizer.Create<Sgd>(Mlp(9).parameters());
        saved.Position = 0;
        Assert.Throws<InvalidDataException>(() => sgd.load_state_dict(saved));
    }

    [Fact]
    public void OdeOpts_part_of_a_step_allocates_nothing()
    {
        var (x, y) = Batch(2);
        var model = Mlp(3);
        using var opt = OdeOptimizer.Create<Adam>(model.parameters());
        var loss = Loss(model, x, y);
        loss.backward();
        for (int s = 0; s < 5; s++) { opt.step(); opt.zero_grad(); }
        long allocated = long.MaxValue;
        for (int window = 0; window < 5 && allocated != 0; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int s = 0; s < 50; s++) { opt.step(); opt.zero_grad(); }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.True(allocated == 0, $"step() + zero_grad() allocated {allocated} bytes in each of 5 windows of 50 steps");
    }

    [Fact]
    public void A_learning_rate_changed_at_every_step_is_used_and_allocates_nothing()
    {
        var (x, y) = Batch(2);
        var model = Mlp(3);
        var reference = Mlp(3);
        using var opt = OdeOptimizer.Create<Sgd>(new[] { new OdeOptParamGroup(model.parameters()) { LearningRate = 0.01 } });
        using var peer = optim.SGD(reference.parameters(), 0.01);
        var peerGroup = peer.ParamGroups.Single();
        for (int s = 0; s < 10; s++)
        {
            opt.Groups[0].LearningRate = peerGroup.LearningRate = 0.01 / (s + 1);
            TrainStep(opt, model, x, y);
            TrainStep(peer, reference, x, y);
        }
        AssertClose(Values(model), Values(reference), 1e-6, "SGD with a new rate at every step");

        long allocated = long.MaxValue;
        for (int window = 0; window < 5 && allocated != 0; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int s = 0; s < 50; s++) { opt.Groups[0].LearningRate = 0.001 / (s + 1); opt.step(); }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.True(allocated == 0, $"a new learning rate and step() allocated {allocated} bytes in each of 5 windows of 50 steps");
    }
}
