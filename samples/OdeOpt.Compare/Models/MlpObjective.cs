using System;
using OdeOpt.Compare.Core;
using OdeOpt.Compare.Data;

namespace OdeOpt.Compare.Models;

/// <summary>The MLP cost on a training set, full batch or in shuffled mini-batches.</summary>
/// <remarks>Mini-batches: each epoch is a permutation of the training set drawn from the seed, cut into consecutive
/// batches (a last short batch is dropped). The reported loss is the full-batch cost on the evaluation set (the
/// training set itself for full-batch runs).</remarks>
public sealed class MlpObjective : IObjective
{
    private readonly Mlp _model = new();
    private readonly ImageSet _train, _evaluation;
    private readonly int _batchSize, _seed;
    private readonly int[] _all, _evaluationIndices, _permutation;
    private readonly float[] _start;
    private Random _shuffle;
    private int _batchStart;
    private Memory<int> _batch;

    /// <param name="train">The training images.</param>
    /// <param name="evaluation">The images the reported loss is the mean cost on.</param>
    /// <param name="batchSize">Images per mini-batch, or 0 for full batch.</param>
    /// <param name="seed">Seeds the initialisation and the shuffles.</param>
    public MlpObjective(ImageSet train, ImageSet evaluation, int batchSize, int seed)
    {
        if (train.Count == 0) throw new ArgumentException("No training images.", nameof(train));
        _train = train;
        _evaluation = evaluation;
        _batchSize = batchSize <= 0 || batchSize >= train.Count ? 0 : batchSize;
        _seed = seed;
        _all = new int[train.Count];
        for (int i = 0; i < _all.Length; i++) _all[i] = i;
        _evaluationIndices = new int[evaluation.Count];
        for (int i = 0; i < _evaluationIndices.Length; i++) _evaluationIndices[i] = i;
        _permutation = (int[])_all.Clone();
        _start = Mlp.Initialize(seed);
        _shuffle = new Random(seed + 1);
        _batch = _all;
    }

    /// <inheritdoc/>
    public int Dimension => Mlp.ParameterCount;

    /// <summary>The model (for accuracy).</summary>
    public Mlp Model => _model;

    /// <inheritdoc/>
    public float[] Start()
    {
        // A new run starts the same shuffle sequence, so every optimizer sees the same batches.
        _shuffle = new Random(_seed + 1);
        _batchStart = _permutation.Length;
        return (float[])_start.Clone();
    }

    /// <inheritdoc/>
    public void BeginStep(long step)
    {
        if (_batchSize == 0) return;
        if (_batchStart + _batchSize > _permutation.Length)
        {
            Array.Copy(_all, _permutation, _all.Length);
            _shuffle.Shuffle(_permutation);
            _batchStart = 0;
        }
        _batch = _permutation.AsMemory(_batchStart, _batchSize);
        _batchStart += _batchSize;
    }

    /// <inheritdoc/>
    public void Gradient(ReadOnlySpan<float> parameters, Span<float> gradient) =>
        _model.LossAndGradient(parameters, _train, _batch.Span, gradient);

    /// <inheritdoc/>
    public double Loss(ReadOnlySpan<float> theta) => _model.LossAndGradient(theta, _evaluation, _evaluationIndices, Span<float>.Empty);
}
