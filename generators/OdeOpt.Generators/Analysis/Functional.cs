using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Analysis;

internal enum CoordKind { Base, K, L }

/// <summary>A coordinate of the space in which the values of one state variable during a step live:
/// x_n (Base), h E_x(Y_l) (K at stage l) or h I_x(Y_l) (L at stage l), of step <see cref="Step"/>
/// (0 = the step in progress, 1 = the next one, inside a pipelined pass).</summary>
internal readonly record struct Coord(int Step, CoordKind Kind, int Stage) : IComparable<Coord>
{
    public int CompareTo(Coord other)
    {
        int c = Step.CompareTo(other.Step);
        if (c != 0) return c;
        c = Kind == CoordKind.Base ? (other.Kind == CoordKind.Base ? 0 : -1) : other.Kind == CoordKind.Base ? 1 : 0;
        if (c != 0) return c;
        c = Stage.CompareTo(other.Stage);
        return c != 0 ? c : Kind.CompareTo(other.Kind);
    }

    public Coord Shift(int steps) => this with { Step = Step + steps };

    public override string ToString() => Kind == CoordKind.Base ? "x_n" : (Kind == CoordKind.K ? "hE" : "hI") + "(Y" + (Stage + 1) + ")";
}

/// <summary>An exact linear combination of coordinates: how a stored or needed value is made of x_n and the
/// stage derivatives.</summary>
internal sealed class Functional : IEquatable<Functional>
{
    private readonly SortedDictionary<Coord, Rational> _terms = new();

    public IEnumerable<KeyValuePair<Coord, Rational>> Terms => _terms;
    public int Count => _terms.Count;

    public static Functional Base(int step)
    {
        var f = new Functional();
        f.Add(new Coord(step, CoordKind.Base, 0), Rational.One);
        return f;
    }

    public Functional Add(Coord coord, Rational coefficient)
    {
        if (coefficient.IsZero) return this;
        _terms[coord] = _terms.TryGetValue(coord, out var existing) ? existing + coefficient : coefficient;
        if (_terms[coord].IsZero) _terms.Remove(coord);
        return this;
    }

    public Rational this[Coord coord] => _terms.TryGetValue(coord, out var r) ? r : Rational.Zero;

    public Functional Where(Func<Coord, bool> keep)
    {
        var f = new Functional();
        foreach (var kv in _terms) if (keep(kv.Key)) f._terms[kv.Key] = kv.Value;
        return f;
    }

    public Functional Shift(int steps)
    {
        var f = new Functional();
        foreach (var kv in _terms) f._terms[kv.Key.Shift(steps)] = kv.Value;
        return f;
    }

    public bool Equals(Functional? other) =>
        other is not null && other._terms.Count == _terms.Count && _terms.All(kv => other._terms.TryGetValue(kv.Key, out var r) && r == kv.Value);

    public override bool Equals(object? obj) => Equals(obj as Functional);

    public override int GetHashCode()
    {
        unchecked
        {
            int h = 17;
            foreach (var kv in _terms) h = h * 31 + kv.Key.GetHashCode() * 7 + kv.Value.GetHashCode();
            return h;
        }
    }

    public string Describe(string variable)
    {
        if (_terms.Count == 0) return "0";
        var sb = new StringBuilder();
        foreach (var kv in _terms)
        {
            string coord = kv.Key.Kind == CoordKind.Base ? variable + "_n" : (kv.Key.Kind == CoordKind.K ? "hE" : "hI") + "(Y" + (kv.Key.Stage + 1) + ")";
            var c = kv.Value;
            if (sb.Length > 0) sb.Append(c.Sign < 0 ? " - " : " + ");
            else if (c.Sign < 0) sb.Append('-');
            var abs = c.Sign < 0 ? -c : c;
            if (!abs.IsOne) sb.Append(abs).Append(' ');
            sb.Append(coord);
        }
        return sb.ToString();
    }
}

/// <summary>Exact linear algebra on functionals.</summary>
internal static class LinearAlgebra
{
    /// <summary>Coefficients lambda with sum lambda_q basis_q = target on the coordinates <paramref name="space"/>
    /// keeps, or null when the target is not in the span there.</summary>
    public static Rational[]? Solve(IReadOnlyList<Functional> basis, Functional target, Func<Coord, bool> space)
    {
        var coords = basis.SelectMany(b => b.Terms.Select(t => t.Key)).Concat(target.Terms.Select(t => t.Key))
            .Where(space).Distinct().OrderBy(c => c).ToList();
        int rows = coords.Count, cols = basis.Count;
        var m = new Rational[rows, cols + 1];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++) m[i, j] = basis[j][coords[i]];
            m[i, cols] = target[coords[i]];
        }
        var pivotColumnOfRow = new List<int>();
        int row = 0;
        for (int col = 0; col < cols && row < rows; col++)
        {
            int pivot = -1;
            for (int i = row; i < rows; i++) if (!m[i, col].IsZero) { pivot = i; break; }
            if (pivot < 0) continue;
            for (int j = 0; j <= cols; j++) (m[row, j], m[pivot, j]) = (m[pivot, j], m[row, j]);
            var inv = Rational.One / m[row, col];
            for (int j = 0; j <= cols; j++) m[row, j] *= inv;
            for (int i = 0; i < rows; i++)
            {
                if (i == row || m[i, col].IsZero) continue;
                var factor = m[i, col];
                for (int j = 0; j <= cols; j++) m[i, j] -= factor * m[row, j];
            }
            pivotColumnOfRow.Add(col);
            row++;
        }
        for (int i = row; i < rows; i++) if (!m[i, cols].IsZero) return null;
        var lambda = new Rational[cols];
        for (int i = 0; i < cols; i++) lambda[i] = Rational.Zero;
        for (int i = 0; i < pivotColumnOfRow.Count; i++) lambda[pivotColumnOfRow[i]] = m[i, cols];
        return lambda;
    }
}
