using System;
using System.Collections.Generic;
using OdeOpt.Compare.Core;
using OdeOpt.Compare.Data;

namespace OdeOpt.Compare.Models;

/// <summary>A network's mean cost on a training set, full batch or in shuffled mini-batches; the reported loss is the
/// mean cost on an evaluation set (the test set for the paper's figures), and each report also records the accuracy there.</summary>
/// <remarks>Mini-batches: each epoch is a permutation of the training set drawn from the batch seed, cut into
/// consecutive batches (a last short batch is dropped). Every run (every <see cref="Start"/>) replays the same batches.</remarks>
public sealed class NetObjective : IObjective
{
    private readonly Dataset _train, _evaluation;
    private readonly int _batchSize, _batchSeed;
    private readonly int[] _all, _evaluationIndices, _permutation;
    private readonly float[] _start;
    private Random _shuffle;
    private int _batchStart;
    private Memory<int> _batch;

    /// <param name="network">The network and its cost.</param>
    /// <param name="train">The training examples.</param>
    /// <param name="evaluation">The examples the reported loss and accuracy are computed on.</param>
    /// <param name="batchSize">Examples per mini-batch, or 0 for full batch.</param>
    /// <param name="initSeed">Seeds the initialisation.</param>
    /// <param name="batchSeed">Seeds the shuffles (a stochastic run of the paper's Fig. 6 is one batch seed).</param>
    public NetObjective(DenseNet network, Dataset train, Dataset evaluation, int batchSize, int initSeed, int batchSeed)
    {
        if (train.Count == 0) throw new ArgumentException("No training examples.", nameof(train));
        Network = network;
        _train = train;
        _evaluation = evaluation;
        _batchSize = batchSize <= 0 || batchSize >= train.Count ? 0 : batchSize;
        _batchSeed = batchSeed;
        _all = new int[train.Count];
        for (int i = 0; i < _all.Length; i++) _all[i] = i;
        _evaluationIndices = new int[evaluation.Count];
        for (int i = 0; i < _evaluationIndices.Length; i++) _evaluationIndices[i] = i;
        _permutation = (int[])_all.Clone();
        _start = network.Initialize(initSeed);
        _shuffle = new Random(batchSeed);
        _batch = _all;
    }

    /// <summary>The network.</summary>
    public DenseNet Network { get; }

    /// <summary>The accuracy on the evaluation set at each report of the current run, in order (NaN for regression).</summary>
    public List<double> Accuracies { get; } = [];

    /// <inheritdoc/>
    public int Dimension => Network.ParameterCount;

    /// <inheritdoc/>
    public float[] Start()
    {
        _shuffle = new Random(_batchSeed);
        _batchStart = _permutation.Length;
        Accuracies.Clear();
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
        Network.Evaluate(parameters, _train, _batch.Span, gradient);

    /// <inheritdoc/>
    public double Loss(ReadOnlySpan<float> theta)
    {
        var (cost, correct) = Network.Evaluate(theta, _evaluation, _evaluationIndices, Span<float>.Empty);
        Accuracies.Add(_evaluation.IsClassification ? (double)correct / _evaluation.Count : double.NaN);
        return cost;
    }
}
