using System;
using System.Numerics.Tensors;
using OdeOpt.Compare.Data;

namespace OdeOpt.Compare.Models;

/// <summary>
/// The 784-30-10 perceptron of Nakerst et al. Figs. 5-6 (Nielsen's "network2" setup): sigmoid hidden and output
/// units, the cross-entropy cost <c>C = (1/n) sum_x sum_k [softplus(z_k) - y_k z_k]</c>
/// (= -(1/n) sum [y ln a + (1-y) ln(1-a)], a = sigmoid(z), y one-hot), weights Gaussian with variance 1/fan-in,
/// biases standard Gaussian.
/// </summary>
/// <remarks>Parameter layout: W1 (30 x 784, row-major), b1 (30), W2 (10 x 30), b2 (10). The forward pass is one
/// <see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/> per unit; the backward pass one
/// <see cref="TensorPrimitives.MultiplyAdd(ReadOnlySpan{float}, float, ReadOnlySpan{float}, Span{float})"/> per unit and
/// image, so both run on the widest SIMD the machine has. Single-threaded: results do not depend on the machine.</remarks>
public sealed class Mlp
{
    /// <summary>Layer sizes.</summary>
    public const int Input = ImageSet.Pixels, Hidden = 30, Output = ImageSet.Classes;

    /// <summary>Offsets of the blocks in the parameter vector.</summary>
    public const int W1 = 0, B1 = Hidden * Input, W2 = B1 + Hidden, B2 = W2 + Output * Hidden;

    /// <summary>The number of parameters (23,860).</summary>
    public const int ParameterCount = B2 + Output;

    private readonly float[] _z1 = new float[Hidden], _a1 = new float[Hidden], _z2 = new float[Output];
    private readonly float[] _d1 = new float[Hidden], _d2 = new float[Output];

    /// <summary>Nielsen's initialisation: weights N(0, 1/fan-in), biases N(0, 1), from <paramref name="seed"/>.</summary>
    public static float[] Initialize(int seed)
    {
        var rng = new Random(seed);
        var p = new float[ParameterCount];
        for (int i = 0; i < B1; i++) p[W1 + i] = Gaussian(rng) / MathF.Sqrt(Input);
        for (int i = 0; i < Hidden; i++) p[B1 + i] = Gaussian(rng);
        for (int i = 0; i < Output * Hidden; i++) p[W2 + i] = Gaussian(rng) / MathF.Sqrt(Hidden);
        for (int i = 0; i < Output; i++) p[B2 + i] = Gaussian(rng);
        return p;
    }

    /// <summary>The mean cost over the images <paramref name="indices"/> of <paramref name="data"/> and, when
    /// <paramref name="gradient"/> is not empty, its gradient.</summary>
    public double LossAndGradient(ReadOnlySpan<float> parameters, ImageSet data, ReadOnlySpan<int> indices, Span<float> gradient)
    {
        if (parameters.Length != ParameterCount) throw new ArgumentException($"Expected {ParameterCount} parameters, got {parameters.Length}.", nameof(parameters));
        bool wantGradient = !gradient.IsEmpty;
        if (wantGradient)
        {
            if (gradient.Length != ParameterCount) throw new ArgumentException($"Expected {ParameterCount} gradient entries, got {gradient.Length}.", nameof(gradient));
            gradient.Clear();
        }
        var w1 = parameters.Slice(W1, Hidden * Input);
        var b1 = parameters.Slice(B1, Hidden);
        var w2 = parameters.Slice(W2, Output * Hidden);
        var b2 = parameters.Slice(B2, Output);
        float scale = 1f / indices.Length;
        double loss = 0;
        foreach (int n in indices)
        {
            var x = data.Image(n);
            int label = data.Labels[n];
            for (int j = 0; j < Hidden; j++) _z1[j] = TensorPrimitives.Dot(w1.Slice(j * Input, Input), x) + b1[j];
            TensorPrimitives.Sigmoid(_z1, _a1);
            for (int k = 0; k < Output; k++)
            {
                float z = TensorPrimitives.Dot(w2.Slice(k * Hidden, Hidden), _a1) + b2[k];
                _z2[k] = z;
                // softplus(z) - y z, computed stably.
                double softplus = z > 0 ? z + Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z));
                loss += softplus - (k == label ? z : 0);
            }
            if (!wantGradient) continue;
            for (int k = 0; k < Output; k++) _d2[k] = (1f / (1f + MathF.Exp(-_z2[k])) - (k == label ? 1f : 0f)) * scale;
            var gw2 = gradient.Slice(W2, Output * Hidden);
            var gb2 = gradient.Slice(B2, Output);
            _d1.AsSpan().Clear();
            for (int k = 0; k < Output; k++)
            {
                var row = gw2.Slice(k * Hidden, Hidden);
                TensorPrimitives.MultiplyAdd(_a1, _d2[k], row, row);
                gb2[k] += _d2[k];
                TensorPrimitives.MultiplyAdd(w2.Slice(k * Hidden, Hidden), _d2[k], _d1, _d1);
            }
            var gw1 = gradient.Slice(W1, Hidden * Input);
            var gb1 = gradient.Slice(B1, Hidden);
            for (int j = 0; j < Hidden; j++)
            {
                float d = _d1[j] * _a1[j] * (1 - _a1[j]);
                gb1[j] += d;
                if (d == 0) continue;
                var row = gw1.Slice(j * Input, Input);
                TensorPrimitives.MultiplyAdd(x, d, row, row);
            }
        }
        return loss / indices.Length;
    }

    /// <summary>The fraction of <paramref name="data"/> classified correctly (largest output).</summary>
    public double Accuracy(ReadOnlySpan<float> parameters, ImageSet data)
    {
        var w1 = parameters.Slice(W1, Hidden * Input);
        var b1 = parameters.Slice(B1, Hidden);
        var w2 = parameters.Slice(W2, Output * Hidden);
        var b2 = parameters.Slice(B2, Output);
        int correct = 0;
        for (int n = 0; n < data.Count; n++)
        {
            var x = data.Image(n);
            for (int j = 0; j < Hidden; j++) _z1[j] = TensorPrimitives.Dot(w1.Slice(j * Input, Input), x) + b1[j];
            TensorPrimitives.Sigmoid(_z1, _a1);
            for (int k = 0; k < Output; k++) _z2[k] = TensorPrimitives.Dot(w2.Slice(k * Hidden, Hidden), _a1) + b2[k];
            if (TensorPrimitives.IndexOfMax(_z2) == data.Labels[n]) correct++;
        }
        return data.Count == 0 ? double.NaN : (double)correct / data.Count;
    }

    private static float Gaussian(Random rng)
    {
        double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
        return (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }
}
