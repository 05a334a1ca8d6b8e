using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using OdeOpt.Compare.Core;
using Xunit;

namespace OdeOpt.Compare.Tests;

/// <summary>Every claim quotes the paper its source names: each piece of the quote (pieces are separated by "[...]" or
/// "...") has a run of at least five plain words that occurs in the paper's text. Mathematics is spelled in ASCII in the
/// quotes and in LaTeX in the texts, so the comparison is on runs of alphabetic words, with LaTeX commands turned into
/// their names (<c>$\sigma$</c> reads as "sigma").</summary>
public sealed class QuoteTests
{
    private static readonly Dictionary<string, string> s_texts = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Papers"), "*.txt")
        .ToDictionary(f => Path.GetFileName(f), f => " " + string.Join(" ", Words(File.ReadAllText(f))) + " ");

    /// <summary>The lower-case alphabetic words of <paramref name="text"/>, LaTeX commands read as their names.</summary>
    private static IEnumerable<string> Words(string text) =>
        Regex.Matches(text.Replace("\\", " "), "[A-Za-z]+").Select(m => m.Value.ToLowerInvariant());

    /// <summary>Asserts that <paramref name="claim"/>'s quote is from the paper its source names (the project's own claims
    /// name no paper and are exempt).</summary>
    internal static void AssertQuoted(Claim claim) => AssertQuoted(claim.Source, claim.Quote);

    /// <inheritdoc cref="AssertQuoted(Claim)"/>
    internal static void AssertQuoted(string source, string quote)
    {
        if (source == Claim.ProjectOwn) return;
        var file = s_texts.Keys.SingleOrDefault(source.StartsWith);
        Assert.True(file is not null, $"The source '{source}' names none of {string.Join(", ", s_texts.Keys)}.");
        foreach (var piece in quote.Split(["[...]", "..."], StringSplitOptions.RemoveEmptyEntries))
        {
            // The longest run of plain words: a word with a digit, a symbol or an ASCII-spelled formula ends a run.
            var runs = Regex.Split(piece, @"[^A-Za-z\s,.;:()'""\-]+").Select(r => Words(r).ToArray()).ToArray();
            var longest = runs.MaxBy(r => r.Length) ?? [];
            if (longest.Length < 5 && runs.Sum(r => r.Length) < 5) continue; // a formula, not prose
            Assert.True(longest.Length >= 5, $"'{piece.Trim()}' has no run of five plain words to look for.");
            string needle = " " + string.Join(" ", longest) + " ";
            Assert.True(s_texts[file!].Contains(needle, StringComparison.Ordinal), $"Not in {file}: \"{needle.Trim()}\" (from the quote \"{quote}\").");
        }
    }

    [Fact]
    public void A_quote_that_is_not_in_the_paper_fails() =>
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => AssertQuoted("004_3e3889a9556128ae.txt, Section 3.1", "super-acceleration always beats Adam on every neural network"));

    [Fact]
    public void A_quote_from_another_paper_fails() =>
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => AssertQuoted("002_da1d247a7cf83f3e.txt, Section 3.1", "For this case, the optimal values appear to be around 3 or 4."));

    [Fact]
    public void A_quote_of_the_paper_passes() =>
        AssertQuoted("004_3e3889a9556128ae.txt, Section 3.1", "For this case, the optimal values appear to be around 3 or 4.");
}
