using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;
using System.Threading.Tasks;
using OdeOpt.Compare.Data;

namespace OdeOpt.Compare.Models;

/// <summary>A unit's activation function.</summary>
public enum Activation
{
    /// <summary>1 / (1 + e^-z).</summary>
    Sigmoid,
    /// <summary>tanh z.</summary>
    Tanh,
    /// <summary>z.</summary>
    Identity,
}

/// <summary>The cost of one example, averaged over the examples; y is the target (one-hot for a label), a the output.</summary>
public enum Cost
{
    /// <summary>Nielsen's quadratic cost, C = (1/2n) sum_x ||y(x) - a(x)||^2 (his eq. (6) of chapter 1).</summary>
    Quadratic,
    /// <summary>The plain Euclidean distance, C = (1/n) sum_x ||y(x) - a(x)||.</summary>
    Distance,
    /// <summary>Softmax cross-entropy on the output layer's z: C = -(1/n) sum_x ln softmax(z)_label (the output activation is
    /// not used).</summary>
    SoftmaxCrossEntropy,
}

/// <summary>
/// A fully connected network: layer sizes (input first), one activation for every hidden layer, one for the output
/// layer, and a cost. Parameters: for each layer l = 1..L in turn, W_l (out x in, row-major) then b_l (out).
/// </summary>
/// <remarks>Each example's forward pass is one <see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>
/// per unit; its backward pass one <see cref="TensorPrimitives.MultiplyAdd(ReadOnlySpan{float}, float, ReadOnlySpan{float}, Span{float})"/>
/// per unit. The examples of a call are cut into <see cref="Chunks"/> consecutive chunks whatever the machine's core
/// count; the chunks run in parallel, each into its own gradient, and are summed in chunk order, so results are the same
/// on any machine.</remarks>
public sealed class DenseNet
{
    /// <summary>The fixed number of chunks a call's examples are cut into.</summary>
    public const int Chunks = 8;

    private readonly int[] _sizes, _weights, _biases;
    private readonly Workspace[] _work;
    private float[] _parameters = [];
    private int[] _indices = [];

    /// <param name="sizes">Units per layer, input first: at least two layers, each positive.</param>
    /// <param name="hidden">The hidden layers' activation.</param>
    /// <param name="output">The output layer's activation (ignored by <see cref="Cost.SoftmaxCrossEntropy"/>).</param>
    /// <param name="cost">The cost.</param>
    public DenseNet(IReadOnlyList<int> sizes, Activation hidden, Activation output, Cost cost)
    {
        if (sizes.Count < 2 || sizes.Any(s => s <= 0)) throw new ArgumentException($"A network needs at least two layers of positive size, got [{string.Join(", ", sizes)}].", nameof(sizes));
        _sizes = sizes.ToArray();
        Hidden = hidden;
        Output = output;
        Cost = cost;
        _weights = new int[_sizes.Length - 1];
        _biases = new int[_sizes.Length - 1];
        int offset = 0;
        for (int l = 0; l < _weights.Length; l++)
        {
            _weights[l] = offset;
            offset += _sizes[l + 1] * _sizes[l];
            _biases[l] = offset;
            offset += _sizes[l + 1];
        }
        ParameterCount = offset;
        _work = Enumerable.Range(0, Chunks).Select(_ => new Workspace(_sizes, offset)).ToArray();
    }

    /// <summary>Units per layer, input first.</summary>
    public IReadOnlyList<int> Sizes => _sizes;

    /// <summary>The hidden layers' activation.</summary>
    public Activation Hidden { get; }

    /// <summary>The output layer's activation.</summary>
    public Activation Output { get; }

    /// <summary>The cost.</summary>
    public Cost Cost { get; }

    /// <summary>The number of parameters.</summary>
    public int ParameterCount { get; }

    /// <summary>"784-30-10".</summary>
    public string Architecture => string.Join("-", _sizes);

    /// <summary>Where W_l starts (l = 1 is the first weight matrix).</summary>
    public int WeightOffset(int layer) => _weights[layer - 1];

    /// <summary>Where b_l starts.</summary>
    public int BiasOffset(int layer) => _biases[layer - 1];

    /// <summary>Nielsen's initialisation (chapter 3, "Weight initialization"): every weight Gaussian with mean 0 and
    /// standard deviation 1/sqrt(n_in), n_in the number of inputs of its unit; every bias standard Gaussian. From
    /// <paramref name="seed"/>, in layer order.</summary>
    public float[] Initialize(int seed)
    {
        var rng = new Random(seed);
        var p = new float[ParameterCount];
        for (int l = 0; l < _weights.Length; l++)
        {
            float scale = 1 / MathF.Sqrt(_sizes[l]);
            for (int i = _weights[l]; i < _biases[l]; i++) p[i] = Gaussian(rng) * scale;
            for (int i = _biases[l]; i < _biases[l] + _sizes[l + 1]; i++) p[i] = Gaussian(rng);
        }
        return p;
    }

    /// <summary>The mean cost over the examples <paramref name="indices"/> of <paramref name="data"/>, the number of them
    /// classified correctly (the largest output is the label; 0 for regression) and, when <paramref name="gradient"/> is
    /// not empty, the gradient of the mean cost.</summary>
    public (double Cost, int Correct) Evaluate(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> indices, Span<float> gradient)
    {
        if (parameters.Length != ParameterCount) throw new ArgumentException($"Expected {ParameterCount} parameters, got {parameters.Length}.", nameof(parameters));
        if (!gradient.IsEmpty && gradient.Length != ParameterCount) throw new ArgumentException($"Expected {ParameterCount} gradient entries, got {gradient.Length}.", nameof(gradient));
        if (data.Features != _sizes[0] || data.Outputs != _sizes[^1])
            throw new ArgumentException($"The network {Architecture} does not fit examples of {data.Features} inputs and {data.Outputs} outputs.", nameof(data));
        if (Cost == Cost.SoftmaxCrossEntropy && !data.IsClassification) throw new ArgumentException("Softmax cross-entropy needs class labels.", nameof(data));
        int n = indices.Length;
        if (n == 0) return (double.NaN, 0);
        if (_parameters.Length != ParameterCount) _parameters = new float[ParameterCount];
        parameters.CopyTo(_parameters);
        if (_indices.Length < n) _indices = new int[n];
        indices.CopyTo(_indices);
        bool wantGradient = !gradient.IsEmpty;
        int chunks = Math.Min(Chunks, n);
        Parallel.For(0, chunks, c =>
        {
            var w = _work[c];
            w.Cost = 0;
            w.Correct = 0;
            if (wantGradient) Array.Clear(w.Gradient);
            for (int k = (int)((long)c * n / chunks), end = (int)((long)(c + 1) * n / chunks); k < end; k++)
                Example(data, _indices[k], w, wantGradient);
        });
        double cost = 0;
        int correct = 0;
        for (int c = 0; c < chunks; c++)
        {
            cost += _work[c].Cost;
            correct += _work[c].Correct;
        }
        if (wantGradient)
        {
            gradient.Clear();
            for (int c = 0; c < chunks; c++) TensorPrimitives.Add(gradient, _work[c].Gradient, gradient);
            TensorPrimitives.Multiply(gradient, 1f / n, gradient);
        }
        return (cost / n, correct);
    }

    /// <summary>The fraction of <paramref name="data"/> classified correctly.</summary>
    public double Accuracy(ReadOnlySpan<float> parameters, Dataset data)
    {
        var all = new int[data.Count];
        for (int i = 0; i < all.Length; i++) all[i] = i;
        return data.Count == 0 ? double.NaN : (double)Evaluate(parameters, data, all, Span<float>.Empty).Correct / data.Count;
    }

    private void Example(Dataset data, int index, Workspace w, bool wantGradient)
    {
        var p = _parameters.AsSpan();
        int layers = _weights.Length;
        var input = data.Input(index);
        for (int l = 0; l < layers; l++)
        {
            ReadOnlySpan<float> previous = l == 0 ? input : w.A[l - 1];
            int rows = _sizes[l + 1], cols = _sizes[l];
            var z = w.Z[l];
            for (int j = 0; j < rows; j++) z[j] = TensorPrimitives.Dot(p.Slice(_weights[l] + j * cols, cols), previous) + p[_biases[l] + j];
            var act = l == layers - 1 ? (Cost == Cost.SoftmaxCrossEntropy ? Activation.Identity : Output) : Hidden;
            Apply(act, z, w.A[l]);
        }
        var output = w.A[layers - 1];
        var delta = w.Delta[layers - 1];
        data.Target(index, w.Target);
        if (data.IsClassification && TensorPrimitives.IndexOfMax(output) == data.Label(index)) w.Correct++;
        switch (Cost)
        {
            case Cost.Quadratic:
                TensorPrimitives.Subtract(output, w.Target, delta);
                w.Cost += 0.5 * TensorPrimitives.Dot(delta, delta);
                break;
            case Cost.Distance:
            {
                TensorPrimitives.Subtract(output, w.Target, delta);
                double norm = Math.Sqrt(TensorPrimitives.Dot(delta, delta));
                w.Cost += norm;
                TensorPrimitives.Multiply(delta, norm > 0 ? (float)(1 / norm) : 0f, delta);
                break;
            }
            default:
            {
                // ln sum e^z - z_label, and d/dz = softmax(z) - onehot.
                float max = TensorPrimitives.Max(output);
                double sum = 0;
                for (int k = 0; k < output.Length; k++) sum += Math.Exp(output[k] - max);
                int label = data.Label(index);
                w.Cost += max + Math.Log(sum) - output[label];
                for (int k = 0; k < output.Length; k++) delta[k] = (float)(Math.Exp(output[k] - max) / sum) - w.Target[k];
                break;
            }
        }
        if (!wantGradient) return;
        if (Cost != Cost.SoftmaxCrossEntropy) MultiplyByDerivative(Output, output, delta);
        var g = w.Gradient.AsSpan();
        for (int l = layers - 1; l >= 0; l--)
        {
            ReadOnlySpan<float> previous = l == 0 ? input : w.A[l - 1];
            int rows = _sizes[l + 1], cols = _sizes[l];
            var d = w.Delta[l];
            var gb = g.Slice(_biases[l], rows);
            TensorPrimitives.Add(gb, d, gb);
            if (l > 0) w.Delta[l - 1].AsSpan().Clear();
            for (int j = 0; j < rows; j++)
            {
                if (d[j] == 0) continue;
                var row = g.Slice(_weights[l] + j * cols, cols);
                TensorPrimitives.MultiplyAdd(previous, d[j], row, row);
                if (l > 0) TensorPrimitives.MultiplyAdd(p.Slice(_weights[l] + j * cols, cols), d[j], w.Delta[l - 1], w.Delta[l - 1]);
            }
            if (l > 0) MultiplyByDerivative(Hidden, w.A[l - 1], w.Delta[l - 1]);
        }
    }

    private static void Apply(Activation activation, ReadOnlySpan<float> z, Span<float> a)
    {
        switch (activation)
        {
            case Activation.Sigmoid: TensorPrimitives.Sigmoid(z, a); break;
            case Activation.Tanh: TensorPrimitives.Tanh(z, a); break;
            default: z.CopyTo(a); break;
        }
    }

    /// <summary>delta *= f'(z), written through a = f(z).</summary>
    private static void MultiplyByDerivative(Activation activation, ReadOnlySpan<float> a, Span<float> delta)
    {
        switch (activation)
        {
            case Activation.Sigmoid:
                for (int k = 0; k < a.Length; k++) delta[k] *= a[k] * (1 - a[k]);
                break;
            case Activation.Tanh:
                for (int k = 0; k < a.Length; k++) delta[k] *= 1 - a[k] * a[k];
                break;
        }
    }

    private static float Gaussian(Random rng)
    {
        double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
        return (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }

    private sealed class Workspace(int[] sizes, int parameters)
    {
        public readonly float[][] Z = sizes.Skip(1).Select(s => new float[s]).ToArray();
        public readonly float[][] A = sizes.Skip(1).Select(s => new float[s]).ToArray();
        public readonly float[][] Delta = sizes.Skip(1).Select(s => new float[s]).ToArray();
        public readonly float[] Target = new float[sizes[^1]];
        public readonly float[] Gradient = new float[parameters];
        public double Cost;
        public int Correct;
    }
}
