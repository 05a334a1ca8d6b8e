// Anderson acceleration of a fixed-point iteration x = G(x) over float vectors (the nonlinear solve of an implicit stage
// Y = known + h a_ii f(Y), issue 17): the building block the staged form of implicit gradient stages will call once per
// gradient evaluation. Type II ("Anderson mixing") in the form of Walker & Ni, SIAM J. Numer. Anal. 49 (2011):
//   f_k = G(x_k) - x_k,
//   gamma = argmin || f_k - dF gamma ||_2,  dF = [f_{j+1} - f_j] over the last m_k pairs,
//   x_{k+1} = x_k + beta f_k - (dX + beta dF) gamma,  dX = [x_{j+1} - x_j].
// With m = 0 it is the damped fixed-point iteration x_{k+1} = x_k + beta f_k. On an affine G(x) = c - M x with unbounded
// memory and beta = 1 it is essentially GMRES on (I + M) x = c (Walker & Ni, Theorem 2.2), which is why it converges where
// the plain iteration diverges (spectral radius of M above 1: backward Euler at h L >> 1).
// The history is kept in float (as the vectors are); every inner product and the small least-squares problem are in
// double, in a fixed order, so the iterates are the same on every run.
using System;

namespace OdeOpt.Runtime;

/// <summary>Anderson acceleration (type II, Walker-Ni form) of a fixed-point iteration x = G(x) over float vectors.</summary>
internal sealed class AndersonAccelerator
{
    private readonly int _length;
    private readonly int _memory;
    private readonly double _damping;
    private readonly float[][] _dx; // ring buffer of x_{j+1} - x_j
    private readonly float[][] _df; // ring buffer of f_{j+1} - f_j
    private readonly float[] _previousX;
    private readonly float[] _previousF;
    private readonly float[] _f;
    private readonly double[,] _gram; // dF^T dF of the ring buffer's columns
    private int _count;  // columns held (<= memory)
    private int _newest = -1; // ring index of the newest column
    private bool _hasPrevious;

    /// <param name="length">The vector length.</param>
    /// <param name="memory">m, the number of difference pairs kept (0: the damped fixed-point iteration).</param>
    /// <param name="damping">beta in (0, 1].</param>
    public AndersonAccelerator(int length, int memory, double damping = 1.0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ArgumentOutOfRangeException.ThrowIfNegative(memory);
        if (!(damping > 0 && damping <= 1)) throw new ArgumentOutOfRangeException(nameof(damping), damping, "The damping beta must lie in (0, 1].");
        _length = length;
        _memory = memory;
        _damping = damping;
        _dx = new float[memory][];
        _df = new float[memory][];
        for (int j = 0; j < memory; j++)
        {
            _dx[j] = new float[length];
            _df[j] = new float[length];
        }
        _previousX = new float[length];
        _previousF = new float[length];
        _f = new float[length];
        _gram = new double[Math.Max(memory, 1), Math.Max(memory, 1)];
    }

    /// <summary>The number of difference pairs in use.</summary>
    public int HistoryCount => _count;

    /// <summary>The length of the vectors.</summary>
    public int Length => _length;

    /// <summary>The number of difference columns kept.</summary>
    public int Memory => _memory;

    /// <summary>Forgets the history: the next <see cref="Advance"/> is a first iteration.</summary>
    public void Reset()
    {
        _count = 0;
        _newest = -1;
        _hasPrevious = false;
    }

    /// <summary>One iteration: given the iterate <paramref name="x"/> and <paramref name="gx"/> = G(x), overwrites
    /// <paramref name="x"/> with the next iterate. Returns ||G(x) - x||_2 of the iterate passed in (computed in double).</summary>
    public double Advance(Span<float> x, ReadOnlySpan<float> gx)
    {
        if (x.Length != _length || gx.Length != _length)
            throw new ArgumentException($"The vectors hold {x.Length} and {gx.Length} floats but the accelerator was created for {_length}.");
        double residual = 0;
        for (int i = 0; i < _length; i++)
        {
            _f[i] = gx[i] - x[i];
            residual += (double)_f[i] * _f[i];
        }
        residual = Math.Sqrt(residual);

        if (_memory > 0 && _hasPrevious) PushDifference(x);

        // gamma from the normal equations (dF^T dF) gamma = dF^T f in double; columns that make the Gram matrix
        // numerically singular are dropped oldest first.
        Span<double> gamma = stackalloc double[Math.Max(_count, 1)];
        int used = _count > 0 ? SolveLeastSquares(gamma) : 0;

        if (_memory > 0)
        {
            x.CopyTo(_previousX);
            _f.CopyTo(_previousF.AsSpan());
        }
        _hasPrevious = true;

        for (int i = 0; i < _length; i++)
        {
            double next = x[i] + _damping * _f[i];
            for (int c = 0; c < used; c++)
            {
                int j = Column(c);
                next -= (_dx[j][i] + _damping * _df[j][i]) * gamma[c];
            }
            x[i] = (float)next;
        }
        return residual;
    }

    /// <summary>The ring index of column c, c = 0 the newest.</summary>
    private int Column(int c) => ((_newest - c) % _memory + _memory) % _memory;

    private void PushDifference(ReadOnlySpan<float> x)
    {
        _newest = (_newest + 1) % _memory;
        var dx = _dx[_newest];
        var df = _df[_newest];
        for (int i = 0; i < _length; i++)
        {
            dx[i] = x[i] - _previousX[i];
            df[i] = _f[i] - _previousF[i];
        }
        if (_count < _memory) _count++;
        for (int c = 0; c < _count; c++)
        {
            int j = Column(c);
            double dot = Dot(df, _df[j]);
            _gram[_newest, j] = dot;
            _gram[j, _newest] = dot;
        }
    }

    /// <summary>Solves for gamma over the newest columns; returns how many columns it used.</summary>
    private int SolveLeastSquares(Span<double> gamma)
    {
        Span<double> rhs = stackalloc double[_count];
        for (int c = 0; c < _count; c++) rhs[c] = Dot(_df[Column(c)], _f);
        for (int used = _count; used > 0; used--)
        {
            if (TryCholeskySolve(used, rhs, gamma)) return used;
        }
        return 0;
    }

    private bool TryCholeskySolve(int n, ReadOnlySpan<double> rhs, Span<double> gamma)
    {
        Span<double> l = stackalloc double[n * n];
        double largest = 0;
        for (int c = 0; c < n; c++) largest = Math.Max(largest, _gram[Column(c), Column(c)]);
        if (!(largest > 0)) return false;
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c <= r; c++)
            {
                double sum = _gram[Column(r), Column(c)];
                for (int k = 0; k < c; k++) sum -= l[r * n + k] * l[c * n + k];
                if (r == c)
                {
                    // A pivot below 1e-12 of the largest diagonal: the newest columns are (nearly) dependent.
                    if (!(sum > 1e-12 * largest)) return false;
                    l[r * n + r] = Math.Sqrt(sum);
                }
                else l[r * n + c] = sum / l[c * n + c];
            }
        }
        for (int r = 0; r < n; r++)
        {
            double sum = rhs[r];
            for (int k = 0; k < r; k++) sum -= l[r * n + k] * gamma[k];
            gamma[r] = sum / l[r * n + r];
        }
        for (int r = n - 1; r >= 0; r--)
        {
            double sum = gamma[r];
            for (int k = r + 1; k < n; k++) sum -= l[k * n + r] * gamma[k];
            gamma[r] = sum / l[r * n + r];
        }
        return true;
    }

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += (double)a[i] * b[i];
        return sum;
    }
}
