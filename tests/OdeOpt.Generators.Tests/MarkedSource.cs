using System;
using Microsoft.CodeAnalysis.Text;

namespace OdeOpt.Generators.Tests;

/// <summary>
/// A test source with one span marked as <c>[|...|]</c>: the node a diagnostic must point at. The markers are
/// removed from <see cref="Text"/>, and <see cref="Span"/> and <see cref="LineSpan"/> give where the marked text
/// is in it.
/// </summary>
public sealed class MarkedSource
{
    public const string Open = "[|";
    public const string Close = "|]";

    private MarkedSource(string text, TextSpan span, LinePositionSpan lineSpan)
    {
        Text = text;
        Span = span;
        LineSpan = lineSpan;
    }

    /// <summary>The source without markers.</summary>
    public string Text { get; }

    /// <summary>The marked span in <see cref="Text"/>.</summary>
    public TextSpan Span { get; }

    /// <summary>The marked span as 0-based lines and columns, as Roslyn reports them.</summary>
    public LinePositionSpan LineSpan { get; }

    /// <summary>The marked text.</summary>
    public string MarkedText => Text.Substring(Span.Start, Span.Length);

    public static MarkedSource Parse(string marked)
    {
        int open = marked.IndexOf(Open, StringComparison.Ordinal);
        int close = marked.IndexOf(Close, StringComparison.Ordinal);
        if (open < 0 || close < open)
            throw new ArgumentException("the source must mark one span as [|...|]", nameof(marked));
        if (marked.IndexOf(Open, open + 1, StringComparison.Ordinal) >= 0 || marked.IndexOf(Close, close + 1, StringComparison.Ordinal) >= 0)
            throw new ArgumentException("the source must mark exactly one span", nameof(marked));
        string text = marked.Remove(close, Close.Length).Remove(open, Open.Length);
        var span = new TextSpan(open, close - open - Open.Length);
        var lines = SourceText.From(text).Lines;
        return new MarkedSource(text, span, lines.GetLinePositionSpan(span));
    }
}
