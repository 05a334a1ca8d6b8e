using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using OdeOpt.TorchSharp;
using TorchSharp;
using static TorchSharp.torch;
using TorchParameter = TorchSharp.Modules.Parameter;

namespace TorchSharpTraining;

/// <summary>One optimizer of the comparison: a label, a description of its hyperparameters and a factory over the
/// model's parameters.</summary>
public sealed record Contender(string Label, string Settings, Func<IEnumerable<TorchParameter>, optim.Optimizer> Create);

/// <summary>What one training run measured.</summary>
/// <param name="Accuracy">Test accuracy (0..1) after each epoch.</param>
/// <param name="TrainLoss">Mean training loss (cross-entropy) of each epoch.</param>
/// <param name="StepMilliseconds">Mean milliseconds of <c>opt.step()</c> per step, the first step (warm-up: state
/// allocation) left out.</param>
/// <param name="Steps">Steps taken.</param>
/// <param name="Seconds">Wall time of the run, evaluation included.</param>
public sealed record RunResult(Contender Contender, double[] Accuracy, double[] TrainLoss, double StepMilliseconds, int Steps, double Seconds);

/// <summary>The data as tensors and the shared schedule: the same batch order for every optimizer.</summary>
public sealed class TrainingData : IDisposable
{
    public TrainingData(Tensor trainX, Tensor trainY, Tensor testX, Tensor testY, int batch, int epochs, int seed)
    {
        TrainX = trainX; TrainY = trainY; TestX = testX; TestY = testY;
        Batch = batch;
        int n = (int)trainX.shape[0];
        var rng = new Random(seed);
        Orders = new Tensor[epochs];
        for (int e = 0; e < epochs; e++)
        {
            var order = Enumerable.Range(0, n).Select(i => (long)i).ToArray();
            for (int i = n - 1; i > 0; i--)
            {
                int j = rng.Next(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
            Orders[e] = torch.tensor(order);
        }
    }

    public Tensor TrainX { get; }
    public Tensor TrainY { get; }
    public Tensor TestX { get; }
    public Tensor TestY { get; }
    public int Batch { get; }

    /// <summary>The permutation of the training images of each epoch.</summary>
    public Tensor[] Orders { get; }

    public int TrainCount => (int)TrainX.shape[0];
    public int StepsPerEpoch => (TrainCount + Batch - 1) / Batch;

    public void Dispose()
    {
        foreach (var t in Orders) t.Dispose();
        TrainX.Dispose(); TrainY.Dispose(); TestX.Dispose(); TestY.Dispose();
    }
}

/// <summary>Trains a fresh copy of the CNN from the given initial weights with one optimizer.</summary>
public static class Trainer
{
    /// <summary>The test accuracy (0..1) of <paramref name="model"/>.</summary>
    public static double Evaluate(nn.Module<Tensor, Tensor> model, TrainingData data)
    {
        model.eval();
        long correct = 0;
        int n = (int)data.TestX.shape[0];
        using (torch.no_grad())
        {
            for (int start = 0; start < n; start += 1000)
            {
                using var scope = torch.NewDisposeScope();
                int len = Math.Min(1000, n - start);
                var logits = model.forward(data.TestX.narrow(0, start, len));
                correct += logits.argmax(1).eq(data.TestY.narrow(0, start, len)).sum().item<long>();
            }
        }
        model.train();
        return (double)correct / n;
    }

    /// <summary>Copies <paramref name="initial"/> (name -> values) into the parameters of <paramref name="model"/>.</summary>
    public static void LoadWeights(nn.Module<Tensor, Tensor> model, IReadOnlyDictionary<string, Tensor> initial)
    {
        using var _ = torch.no_grad();
        foreach (var (name, p) in model.named_parameters()) p.copy_(initial[name]);
    }

    /// <summary>Trains with <paramref name="contender"/>; <paramref name="progress"/> gets (steps done, epoch done or
    /// -1, accuracy of that epoch).</summary>
    public static RunResult Run(Contender contender, IReadOnlyDictionary<string, Tensor> initial, TrainingData data, int epochs,
        Action<int, int, double> progress)
    {
        var wall = Stopwatch.StartNew();
        using var model = Cnn.Create();
        LoadWeights(model, initial);
        using var opt = contender.Create(model.parameters());
        model.train();
        var accuracy = new double[epochs];
        var trainLoss = new double[epochs];
        long stepTicks = 0;
        int steps = 0;
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            double lossSum = 0;
            int batches = 0;
            var order = data.Orders[epoch];
            for (int start = 0; start < data.TrainCount; start += data.Batch)
            {
                int len = Math.Min(data.Batch, data.TrainCount - start);
                using (var scope = torch.NewDisposeScope())
                {
                    var index = order.narrow(0, start, len);
                    var x = data.TrainX.index_select(0, index);
                    var y = data.TrainY.index_select(0, index);
                    opt.zero_grad();
                    var loss = nn.functional.cross_entropy(model.forward(x), y);
                    loss.backward();
                    lossSum += loss.item<float>();
                }
                // Only the optimizer step is timed.
                long t0 = Stopwatch.GetTimestamp();
                opt.step();
                long dt = Stopwatch.GetTimestamp() - t0;
                if (steps > 0) stepTicks += dt; // the first step allocates the optimizer's state: warm-up
                steps++;
                batches++;
                progress(steps, -1, double.NaN);
            }
            trainLoss[epoch] = lossSum / batches;
            // Look-ahead schemes hold theta + sigma m in the model: evaluate theta itself.
            if (opt is OdeOptimizer ode)
            {
                using (ode.UseIterate()) accuracy[epoch] = Evaluate(model, data);
            }
            else accuracy[epoch] = Evaluate(model, data);
            if (!double.IsFinite(trainLoss[epoch])) accuracy[epoch] = double.NaN;
            progress(steps, epoch, accuracy[epoch]);
        }
        double ms = steps > 1 ? stepTicks * 1000.0 / Stopwatch.Frequency / (steps - 1) : double.NaN;
        return new RunResult(contender, accuracy, trainLoss, ms, steps, wall.Elapsed.TotalSeconds);
    }
}
