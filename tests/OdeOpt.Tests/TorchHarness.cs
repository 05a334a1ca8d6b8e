using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;

namespace OdeOpt.Tests;

/// <summary>
/// Runs an OdeOpt optimizer (float32) next to a float64 reference of the documented algorithm and reports the largest
/// relative error |ours - ref| / max(1, |ref|) over every step and every parameter.
/// </summary>
internal static class TorchHarness
{
    /// <summary>The non-convex test problem: 10-D Rosenbrock from (-1.2, 1, -1.2, 1, ...).</summary>
    public const int N = 10;

    public static double[] Start => Problems.RosenbrockStart(N);

    public static void Rosenbrock(double[] x, double[] g) => Problems.RosenbrockGradient(x, g);

    /// <summary>The gradient of -f: with maximize = true the optimizer climbs -f, that is, descends f.</summary>
    public static void NegatedRosenbrock(double[] x, double[] g)
    {
        Problems.RosenbrockGradient(x, g);
        for (int i = 0; i < g.Length; i++) g[i] = -g[i];
    }

    /// <summary>The iterate (theta, via GetIterate) after each of <paramref name="steps"/> steps; the optimizer sees the
    /// gradient of its float32 point computed in float64 and rounded, as a float32 training loop would.</summary>
    public static float[][] Run(IOptimizer optimizer, double[] x0, int steps, Action<double[], double[]> gradient)
    {
        int n = x0.Length;
        var p = Problems.ToFloat(x0);
        var grad = Problems.ToFloat(gradient, n);
        var trajectory = new float[steps][];
        for (int s = 0; s < steps; s++)
        {
            optimizer.Step(p, grad);
            trajectory[s] = new float[n];
            optimizer.GetIterate(p, trajectory[s]);
        }
        return trajectory;
    }

    /// <summary>The largest relative error over all steps.</summary>
    public static double MaxError(float[][] ours, double[][] reference)
    {
        double worst = 0;
        for (int s = 0; s < reference.Length; s++) worst = Math.Max(worst, Problems.MaxRelativeError(ours[s], reference[s]));
        return worst;
    }

    /// <summary>How far the reference moved from the start (relative): a comparison of two runs that stay put proves nothing.</summary>
    public static double Travel(double[] x0, double[][] reference) =>
        Problems.MaxRelativeError(Problems.ToFloat(x0), reference[^1]);

    /// <summary>A float64 reference loop: <paramref name="step"/> updates x in place from the gradient at x and the
    /// 1-based step index.</summary>
    public static double[][] Reference(double[] x0, int steps, Action<double[], double[]> gradient, Action<double[], double[], int> step)
    {
        var x = (double[])x0.Clone();
        var g = new double[x.Length];
        var trajectory = new double[steps][];
        for (int t = 1; t <= steps; t++)
        {
            gradient(x, g);
            step(x, g, t);
            trajectory[t - 1] = (double[])x.Clone();
        }
        return trajectory;
    }
}

/// <summary>The cases of the real-PyTorch golden file, mapped onto OdeOpt's optimizers and hyperparameter names.</summary>
internal static class TorchGolden
{
    public static readonly IReadOnlyDictionary<string, string> Optimizers = new Dictionary<string, string>
    {
        ["SGD"] = "sgd", ["Adam"] = "adam", ["AdamW"] = "adamw", ["Adamax"] = "adamax", ["RAdam"] = "radam",
        ["RMSprop"] = "rmsprop", ["Adagrad"] = "adagrad", ["Adadelta"] = "adadelta",
    };

    private static readonly IReadOnlyDictionary<string, string> s_names = new Dictionary<string, string>
    {
        ["lr"] = "LearningRate", ["momentum"] = "Momentum", ["dampening"] = "Dampening", ["weight_decay"] = "WeightDecay",
        ["nesterov"] = "Nesterov", ["eps"] = "Epsilon", ["amsgrad"] = "Amsgrad", ["alpha"] = "Alpha", ["centered"] = "Centered",
        ["lr_decay"] = "LearningRateDecay", ["initial_accumulator_value"] = "InitialAccumulatorValue", ["rho"] = "Rho",
        ["maximize"] = "Maximize", ["momentum_decay"] = "MomentumDecay", ["decoupled_weight_decay"] = "DecoupledWeightDecay",
    };

    /// <summary>Every case: (torch optimizer, options as JSON text).</summary>
    public static IEnumerable<object[]> Cases()
    {
        var golden = Golden.Load();
        foreach (var c in golden.Cases.EnumerateArray())
            yield return new object[] { c.GetProperty("optimizer").GetString()!, c.GetProperty("options").GetRawText() };
    }

    /// <summary>The OdeOpt optimizer for a case, with torch's options set by name.</summary>
    public static ITrainingOptimizer Create(string torchName, string optionsJson, int n)
    {
        var opt = (ITrainingOptimizer)OptimizerRegistry.Create(Optimizers[torchName], n);
        using var options = JsonDocument.Parse(optionsJson);
        foreach (var option in options.RootElement.EnumerateObject())
        {
            if (option.Name == "betas")
            {
                var betas = option.Value.EnumerateArray().Select(e => e.GetDouble()).ToArray();
                opt.SetHyperparameter("Beta1", (float)betas[0]);
                opt.SetHyperparameter("Beta2", (float)betas[1]);
                continue;
            }
            float value = option.Value.ValueKind switch
            {
                JsonValueKind.True => 1f,
                JsonValueKind.False => 0f,
                _ => (float)option.Value.GetDouble(),
            };
            opt.SetHyperparameter(s_names[option.Name], value);
        }
        return opt;
    }
}
