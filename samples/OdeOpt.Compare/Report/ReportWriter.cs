using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using OdeOpt.Compare.Core;

namespace OdeOpt.Compare.Report;

/// <summary>Writes report.md and report.json.</summary>
public static class ReportWriter
{
    /// <summary>Most points a curve keeps in report.json.</summary>
    public const int MaxCurvePoints = 400;

    /// <summary>Writes both files into <paramref name="directory"/>.</summary>
    public static void Write(string directory, IReadOnlyList<ProblemReport> problems, IReadOnlyList<string> header, IReadOnlyList<string> warnings)
    {
        File.WriteAllText(Path.Combine(directory, "report.md"), Markdown(problems, header, warnings));
        File.WriteAllBytes(Path.Combine(directory, "report.json"), Json(problems));
    }

    /// <summary>All claims of all problems.</summary>
    public static IEnumerable<Claim> AllClaims(IEnumerable<ProblemReport> problems) => problems.SelectMany(p => p.Claims);

    /// <summary>The markdown report.</summary>
    public static string Markdown(IReadOnlyList<ProblemReport> problems, IReadOnlyList<string> header, IReadOnlyList<string> warnings)
    {
        var md = new StringBuilder();
        md.AppendLine("# OdeOpt.Compare report");
        md.AppendLine();
        foreach (var line in header) md.AppendLine($"- {line}");
        md.AppendLine();
        md.AppendLine("Every result table gives, per optimizer: the loss at the last iterate, the smallest loss recorded, the first recorded step at which the loss reached the problem's target, the gradient evaluations made, and the mean wall time of one optimizer step (gradient evaluations included, loss evaluations for the report excluded). Losses are those named in each setup. report.json holds the same data; each curve there is a list of [step, gradient evaluations, loss] (at most 400 points, evenly thinned; null for a loss that is not finite).");
        md.AppendLine();
        md.AppendLine("## Claims");
        md.AppendLine();
        md.AppendLine(ClaimsTable(AllClaims(problems)));
        if (warnings.Count > 0)
        {
            md.AppendLine("## Warnings");
            md.AppendLine();
            foreach (var w in warnings) md.AppendLine($"- {Escape(w)}");
            md.AppendLine();
        }
        foreach (var p in problems)
        {
            md.AppendLine($"## {p.Title}");
            md.AppendLine();
            md.AppendLine("**Setup.**");
            md.AppendLine();
            md.AppendLine(p.Setup.Trim());
            md.AppendLine();
            if (p.Target.Length > 0) md.AppendLine($"**Target** (for \"steps to target\"): {p.Target}.").AppendLine();
            foreach (var (group, runs) in p.Groups)
            {
                md.AppendLine($"### {group}");
                md.AppendLine();
                md.AppendLine(ResultTable(runs));
            }
            foreach (var note in p.Notes) md.AppendLine(note).AppendLine();
            foreach (var (file, caption) in p.Plots) md.AppendLine($"![{caption}]({file})").AppendLine().AppendLine($"*{caption}*").AppendLine();
            if (p.Claims.Count > 0)
            {
                md.AppendLine("**Claims checked here:** " + string.Join(", ", p.Claims.Select(c => $"`{c.Id}` {(c.Reproduced ? "reproduced" : "not reproduced")}")) + ".");
                md.AppendLine();
            }
        }
        return md.ToString();
    }

    /// <summary>The claims as a markdown table.</summary>
    public static string ClaimsTable(IEnumerable<Claim> claims)
    {
        var md = new StringBuilder();
        md.AppendLine("| id | source | quote | rule (fixed before the run) | verdict | evidence |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var c in claims)
            md.AppendLine($"| `{c.Id}` | {Escape(c.Source)} | \"{Escape(c.Quote)}\" | {Escape(c.Rule)} | **{(c.Reproduced ? "reproduced" : "not reproduced")}** | {Escape(c.Evidence)} |");
        return md.ToString();
    }

    /// <summary>A group's runs as a markdown table.</summary>
    public static string ResultTable(IReadOnlyList<RunResult> runs)
    {
        var extras = runs.SelectMany(r => r.Extra.Keys).Distinct().ToArray();
        var md = new StringBuilder();
        md.AppendLine("| optimizer | registry name, hyperparameters | final loss | best loss | steps to target | gradient evaluations | ms / step |" + string.Concat(extras.Select(e => $" {e} |")));
        md.AppendLine("|---|---|---|---|---|---|---|" + string.Concat(extras.Select(_ => "---|")));
        foreach (var r in runs)
        {
            md.Append($"| {Escape(r.Setup.Label)} | `{r.Setup.Name}` {Escape(r.Setup.Settings)} | {Loss(r.FinalLoss, r.Diverged)} | {Loss(r.BestLoss, false)} | {r.StepsToTarget?.ToString(CultureInfo.InvariantCulture) ?? "not reached"} | {r.GradientEvaluations} | {r.MsPerStep.ToString("G3", CultureInfo.InvariantCulture)} |");
            foreach (var e in extras) md.Append($" {(r.Extra.TryGetValue(e, out var v) ? v.ToString("G4", CultureInfo.InvariantCulture) : "")} |");
            md.AppendLine();
        }
        return md.ToString();
    }

    /// <summary>report.json: <c>{ problems: [ { name, setup, results: [ { optimizer, final_loss, best_loss, steps_to_target,
    /// gradient_evaluations, ms_per_step, curve } ] } ], claims: [ { id, source, quote, rule, reproduced, evidence } ] }</c>.</summary>
    public static byte[] Json(IReadOnlyList<ProblemReport> problems)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartArray("problems");
            foreach (var p in problems)
            {
                w.WriteStartObject();
                w.WriteString("name", p.Name);
                w.WriteString("setup", p.Setup.Trim() + (p.Target.Length > 0 ? $"\nTarget: {p.Target}." : ""));
                w.WriteStartArray("results");
                foreach (var (group, runs) in p.Groups)
                {
                    foreach (var r in runs)
                    {
                        w.WriteStartObject();
                        w.WriteString("optimizer", p.Groups.Count > 1 ? $"{r.Setup.Label} [{group}]" : r.Setup.Label);
                        Number(w, "final_loss", r.Diverged ? double.NaN : r.FinalLoss);
                        Number(w, "best_loss", r.BestLoss);
                        if (r.StepsToTarget is { } s) w.WriteNumber("steps_to_target", s); else w.WriteNull("steps_to_target");
                        w.WriteNumber("gradient_evaluations", r.GradientEvaluations);
                        Number(w, "ms_per_step", r.MsPerStep);
                        w.WriteStartArray("curve");
                        foreach (var (step, gradients, loss) in Thin(r.Curve, MaxCurvePoints))
                        {
                            w.WriteStartArray();
                            w.WriteNumberValue(step);
                            w.WriteNumberValue(gradients);
                            if (double.IsFinite(loss)) w.WriteNumberValue(loss); else w.WriteNullValue();
                            w.WriteEndArray();
                        }
                        w.WriteEndArray();
                        w.WriteEndObject();
                    }
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("claims");
            foreach (var c in AllClaims(problems))
            {
                w.WriteStartObject();
                w.WriteString("id", c.Id);
                w.WriteString("source", c.Source);
                w.WriteString("quote", c.Quote);
                w.WriteString("rule", c.Rule);
                w.WriteBoolean("reproduced", c.Reproduced);
                w.WriteString("evidence", c.Evidence);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return stream.ToArray();
    }

    /// <summary>At most <paramref name="max"/> points, evenly spaced, first and last kept.</summary>
    public static IEnumerable<T> Thin<T>(IReadOnlyList<T> points, int max)
    {
        if (points.Count <= max)
        {
            foreach (var p in points) yield return p;
            yield break;
        }
        int previous = -1;
        for (int i = 0; i < max; i++)
        {
            int index = (int)Math.Round((double)i * (points.Count - 1) / (max - 1));
            if (index == previous) continue;
            previous = index;
            yield return points[index];
        }
    }

    private static void Number(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value)) w.WriteNumber(name, value); else w.WriteNull(name);
    }

    private static string Loss(double value, bool diverged) => diverged ? "diverged" : double.IsFinite(value) ? value.ToString("G4", CultureInfo.InvariantCulture) : "not finite";

    private static string Escape(string s) => s.Replace("|", "\\|").Replace("\n", " ");
}
