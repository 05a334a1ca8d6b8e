using System;

namespace OdeOpt.Compare.Data;

/// <summary>Examples for a network: inputs of <see cref="Features"/> values each, and either class labels
/// (classification; the target is the one-hot vector of the label) or target vectors (regression).</summary>
public sealed class Dataset
{
    private readonly float[] _inputs;
    private readonly int[]? _labels;
    private readonly float[]? _targets;

    private Dataset(float[] inputs, int features, int outputs, int[]? labels, float[]? targets)
    {
        if (features <= 0 || outputs <= 0) throw new ArgumentOutOfRangeException(nameof(features), "Features and outputs must be positive.");
        if (inputs.Length % features != 0) throw new ArgumentException($"{inputs.Length} input values are not a whole number of examples of {features}.", nameof(inputs));
        Count = inputs.Length / features;
        if (labels is not null && labels.Length != Count) throw new ArgumentException($"{labels.Length} labels for {Count} examples.", nameof(labels));
        if (targets is not null && targets.Length != Count * outputs) throw new ArgumentException($"{targets.Length} target values for {Count} examples of {outputs}.", nameof(targets));
        if (labels is not null)
            foreach (var l in labels)
                if ((uint)l >= (uint)outputs) throw new ArgumentOutOfRangeException(nameof(labels), $"Label {l} is not in 0..{outputs - 1}.");
        _inputs = inputs;
        _labels = labels;
        _targets = targets;
        Features = features;
        Outputs = outputs;
    }

    /// <summary>A classification set: <paramref name="inputs"/> is count x <paramref name="features"/>, row-major.</summary>
    public static Dataset Classification(float[] inputs, int features, int[] labels, int classes) => new(inputs, features, classes, labels, null);

    /// <summary>A regression set: <paramref name="targets"/> is count x <paramref name="outputs"/>, row-major.</summary>
    public static Dataset Regression(float[] inputs, int features, float[] targets, int outputs) => new(inputs, features, outputs, null, targets);

    /// <summary>The images as a classification set (the pixel array is shared, not copied).</summary>
    public static Dataset Of(ImageSet images) =>
        Classification(images.Images, ImageSet.Pixels, Array.ConvertAll(images.Labels, b => (int)b), ImageSet.Classes);

    /// <summary>The number of examples.</summary>
    public int Count { get; }

    /// <summary>Values per input.</summary>
    public int Features { get; }

    /// <summary>Classes, or values per target.</summary>
    public int Outputs { get; }

    /// <summary>Whether targets are class labels.</summary>
    public bool IsClassification => _labels is not null;

    /// <summary>Input <paramref name="i"/>.</summary>
    public ReadOnlySpan<float> Input(int i) => _inputs.AsSpan(i * Features, Features);

    /// <summary>The label of example <paramref name="i"/> (classification only).</summary>
    public int Label(int i) => _labels is { } l ? l[i] : throw new InvalidOperationException("A regression set has no labels.");

    /// <summary>Writes the target of example <paramref name="i"/> (the one-hot vector of its label, for classification).</summary>
    public void Target(int i, Span<float> target)
    {
        if (_labels is { } l)
        {
            target.Clear();
            target[l[i]] = 1;
        }
        else _targets.AsSpan(i * Outputs, Outputs).CopyTo(target);
    }
}
