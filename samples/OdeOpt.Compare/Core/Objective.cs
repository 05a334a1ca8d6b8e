using System;

namespace OdeOpt.Compare.Core;

/// <summary>A loss to minimise: its gradient (what optimizers see) and the loss reported in tables and plots.</summary>
public interface IObjective
{
    /// <summary>The number of parameters.</summary>
    int Dimension { get; }

    /// <summary>A fresh copy of the starting point.</summary>
    float[] Start();

    /// <summary>Called before step <paramref name="step"/> (1-based) begins: a mini-batch objective picks its batch here;
    /// every gradient of that step uses it.</summary>
    void BeginStep(long step) { }

    /// <summary>The gradient at <paramref name="parameters"/> (of the current mini-batch, if any).</summary>
    void Gradient(ReadOnlySpan<float> parameters, Span<float> gradient);

    /// <summary>The reported loss at the iterate <paramref name="theta"/> (the full objective, minus its minimum where
    /// that is known), in double precision.</summary>
    double Loss(ReadOnlySpan<float> theta);

    /// <summary>The objective itself at <paramref name="parameters"/>, as a line search compares it (not clipped, not
    /// shifted by a minimum that rounding could cross); by default <see cref="Loss"/>.</summary>
    double Value(ReadOnlySpan<float> parameters) => Loss(parameters);
}

/// <summary>An objective given by two functions, in double precision.</summary>
public sealed class FunctionObjective : IObjective
{
    private readonly Func<double[], double> _loss;
    private readonly Action<double[], double[]> _gradient;
    private readonly double[] _x, _g;
    private readonly float[] _start;

    /// <param name="start">The starting point.</param>
    /// <param name="loss">The reported loss.</param>
    /// <param name="gradient">Writes the gradient of the loss at the first argument into the second.</param>
    public FunctionObjective(float[] start, Func<double[], double> loss, Action<double[], double[]> gradient)
    {
        _start = start;
        _loss = loss;
        _gradient = gradient;
        _x = new double[start.Length];
        _g = new double[start.Length];
    }

    /// <inheritdoc/>
    public int Dimension => _start.Length;

    /// <inheritdoc/>
    public float[] Start() => (float[])_start.Clone();

    /// <inheritdoc/>
    public void Gradient(ReadOnlySpan<float> parameters, Span<float> gradient)
    {
        for (int i = 0; i < _x.Length; i++) _x[i] = parameters[i];
        _gradient(_x, _g);
        for (int i = 0; i < _g.Length; i++) gradient[i] = (float)_g[i];
    }

    /// <inheritdoc/>
    public double Loss(ReadOnlySpan<float> theta)
    {
        for (int i = 0; i < _x.Length; i++) _x[i] = theta[i];
        return _loss(_x);
    }
}
