using System.Collections.Generic;
using System.Linq;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Parsing;

/// <summary>Parses tableau strings: rows separated by ';', entries by spaces or commas, each a rational
/// ("1/3", "-2") or a decimal ("0.5", "1e-3").</summary>
internal static class TableauParser
{
    public static bool TryParseVector(string text, out List<Rational> values, out bool exact, out string error)
    {
        values = new List<Rational>();
        exact = true;
        error = "";
        if (text.IndexOf(';') >= 0)
        {
            error = "a vector has one row; remove the ';'";
            return false;
        }
        foreach (var token in Split(text))
        {
            if (!Rational.TryParse(token, out var r))
            {
                error = $"'{token}' is not a number (write rationals as 1/3 and decimals as 0.5)";
                return false;
            }
            if (token.IndexOf('.') >= 0 || token.IndexOf('e') >= 0 || token.IndexOf('E') >= 0) exact &= IsShortDecimal(token);
            values.Add(r);
        }
        if (values.Count == 0)
        {
            error = "it is empty";
            return false;
        }
        return true;
    }

    public static bool TryParseMatrix(string text, out List<List<Rational>> rows, out bool exact, out string error)
    {
        rows = new List<List<Rational>>();
        exact = true;
        error = "";
        var rowTexts = text.Split(';');
        for (int i = 0; i < rowTexts.Length; i++)
        {
            if (rowTexts[i].Trim().Length == 0)
            {
                error = i == rowTexts.Length - 1 && i > 0 ? "it ends with a ';'" : $"row {i + 1} is empty";
                return false;
            }
            if (!TryParseVector(rowTexts[i], out var row, out bool rowExact, out var rowError))
            {
                error = $"row {i + 1}: {rowError}";
                return false;
            }
            exact &= rowExact;
            rows.Add(row);
        }
        return true;
    }

    /// <summary>Builds the tableau model, or explains why the shape is wrong.</summary>
    /// <param name="location">The attribute, for findings that concern it as a whole (B missing).</param>
    /// <param name="aLocation">The string of A, when written in source; findings about A (and the model's location) point at it.</param>
    /// <param name="bLocation">The string of B, likewise.</param>
    /// <param name="cLocation">The string of C, likewise.</param>
    /// <param name="bHatText">The embedded weights (explicit tableaux only), or null.</param>
    /// <param name="bHatLocation">The string of BHat, when written in source.</param>
    public static TableauModel? Build(string kind, string aText, string? bText, string? cText, LocationInfo? location, List<DiagnosticInfo> diagnostics,
        LocationInfo? aLocation = null, LocationInfo? bLocation = null, LocationInfo? cLocation = null, string? bHatText = null, LocationInfo? bHatLocation = null)
    {
        bHatLocation ??= location;
        aLocation ??= location;
        bLocation ??= location;
        cLocation ??= location;
        if (!TryParseMatrix(aText, out var rows, out bool exactA, out var error))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TableauParseError, aLocation, kind + " A \"" + aText + "\"", error));
            return null;
        }
        int s = rows.Count;
        for (int i = 0; i < s; i++)
        {
            if (rows[i].Count != s)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TableauShape, aLocation, kind,
                    $"A has {s} rows but row {i + 1} has {rows[i].Count} entries; A must be square"));
                return null;
            }
        }
        if (bText is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TableauShape, location, kind, $"the weights B are missing; give B with {s} entries"));
            return null;
        }
        if (!TryParseVector(bText, out var b, out bool exactB, out error))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TableauParseError, bLocation, kind + " B \"" + bText + "\"", error));
            return null;
        }
        if (b.Count != s)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TableauShape, bLocation, kind, $"B has {b.Count} entries but A has {s} stages"));
            return null;
        }
        var c = new List<Rational>();
        bool exactC = true;
        if (cText is not null)
        {
            if (!TryParseVector(cText, out c, out exactC, out error))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TableauParseError, cLocation, kind + " C \"" + cText + "\"", error));
                return null;
            }
            if (c.Count != s)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TableauShape, cLocation, kind, $"C has {c.Count} entries but A has {s} stages"));
                return null;
            }
        }
        var bHat = new List<Rational>();
        bool exactBHat = true;
        if (bHatText is not null)
        {
            if (!TryParseVector(bHatText, out bHat, out exactBHat, out error))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TableauParseError, bHatLocation, kind + " BHat \"" + bHatText + "\"", error));
                return null;
            }
            if (bHat.Count != s)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TableauShape, bHatLocation, kind, $"BHat has {bHat.Count} entries but A has {s} stages"));
                return null;
            }
        }
        string text = "A = \"" + aText + "\", B = \"" + bText + "\"" + (cText is null ? "" : ", C = \"" + cText + "\"") + (bHatText is null ? "" : ", BHat = \"" + bHatText + "\"");
        return new TableauModel(s, rows.SelectMany(r => r).ToEquatableArray(), b.ToEquatableArray(), c.ToEquatableArray(),
            exactA && exactB && exactC && exactBHat, text, aLocation, bLocation, cText is null ? null : cLocation, bHat.ToEquatableArray(), bHatText is null ? null : bHatLocation);
    }

    private static IEnumerable<string> Split(string text) =>
        text.Split(new[] { ' ', ',', '\t', '\r', '\n' }, System.StringSplitOptions.RemoveEmptyEntries);

    // A decimal with few digits ("0.5", "0.25", "1e-3") is taken as exact; a long one (>= 10 significant
    // digits) is probably a rounded irrational, and conditions on it are compared with a tolerance.
    private static bool IsShortDecimal(string token)
    {
        int digits = 0;
        foreach (char ch in token)
        {
            if (ch == 'e' || ch == 'E') break;
            if (ch >= '0' && ch <= '9') digits++;
        }
        return digits < 10;
    }
}
