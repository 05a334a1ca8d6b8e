using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Collections.Immutable;
using System.Threading;
using CsCheck;
using Microsoft.CodeAnalysis;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.Generators.Tests;

/// <summary>
/// Property-based robustness (CsCheck): random declarations — tableau strings valid and garbage, random right-hand-side
/// bodies, random attribute combinations, random names — go through the generator, and
/// <list type="number">
/// <item>no exception escapes the generator and it never reports ODEOPT099 (every failure is a diagnostic);</item>
/// <item>every declaration without an error diagnostic gets generated code, and the output compilation has no error that
/// the input did not have (the generated code compiles).</item>
/// </list>
/// Every random declaration is valid C# on its own (the input compilation is checked to have no errors), so what is found
/// is the generator's. Declarations are compiled in batches of <see cref="BatchSize"/>, each in its own file and namespace.
/// The count is <c>ODEOPT_FUZZ_COUNT</c> declarations (default 1,000 for CI; the issue's full run is 10,000);
/// <c>ODEOPT_FUZZ_SEED</c> replays a CsCheck seed that a failure printed.
/// </summary>
public class FuzzTests
{
    private const int BatchSize = 20;
    private readonly ITestOutputHelper _output;

    public FuzzTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void RandomDeclarationsNeverBreakTheGenerator()
    {
        int count = int.TryParse(Environment.GetEnvironmentVariable("ODEOPT_FUZZ_COUNT"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : 1000;
        string? seed = Environment.GetEnvironmentVariable("ODEOPT_FUZZ_SEED");
        var stats = new Stats();
        var clock = Stopwatch.StartNew();
        Batch.Sample(batch => Check(batch, stats), seed: string.IsNullOrEmpty(seed) ? null : seed, iter: (count + BatchSize - 1) / BatchSize,
            print: batch => string.Join("\n// ----------------------------------------\n", batch));
        clock.Stop();
        _output.WriteLine($"{stats.Declarations} random declarations in {clock.Elapsed.TotalSeconds:F1} s: {stats.Valid} generated code that compiles, " +
                          $"{stats.Invalid} reported errors, {stats.Warned} warnings only.");
        _output.WriteLine("Diagnostics by id: " + string.Join(", ", stats.ById.OrderBy(kv => kv.Key).Select(kv => kv.Key + " " + kv.Value)));
        _output.WriteLine($"Of {stats.Clean} declarations drawn from the language's valid constructs, {stats.CleanValid} generated code; their diagnostics: " +
                          string.Join(", ", stats.CleanById.OrderBy(kv => kv.Key).Select(kv => kv.Key + " " + kv.Value)));
        Assert.True(stats.Valid > stats.Declarations / 10, "too few valid declarations: the fuzzer does not reach code generation");
        Assert.True(stats.Invalid > stats.Declarations / 10, "too few invalid declarations: the fuzzer does not reach the diagnostics");
    }

    private sealed class Stats
    {
        public int Declarations, Valid, Invalid, Warned, Clean, CleanValid;
        public readonly ConcurrentDictionary<string, int> ById = new();
        public readonly ConcurrentDictionary<string, int> CleanById = new();
    }

    private static void Check(string[] batch, Stats stats)
    {
        var sources = batch.Select((d, i) => d.Replace("__INDEX__", i.ToString(CultureInfo.InvariantCulture))).ToArray();
        var input = GeneratorHarness.CreateCompilation(sources);
        var inputErrors = input.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        // The fuzzer writes valid C#: an error here is a bug of the fuzzer, not of the generator.
        Assert.True(inputErrors.Count == 0, "the random source does not compile (a fuzzer bug): " + string.Join("; ", inputErrors.Take(5)));

        // Run the driver here rather than through GeneratorHarness.Run, so that a failure names the declaration.
        var driver = GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(input, out var output, out _);
        var result = Assert.Single(driver.GetRunResult().Results);
        Assert.True(result.Exception is null, "the generator threw: " + result.Exception);
        string Declarations(IEnumerable<Diagnostic> found) => string.Join("\n", found.Select(d => d.ToString()).Concat(found
            .Select(d => Regex.Match(d.Location.GetLineSpan().Path ?? "", @"(?:Source|Fuzz)(\d+)"))
            .Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Distinct()
            .Select(i => "// declaration " + i + "\n" + sources[i])));
        var internalErrors = result.Diagnostics.Where(d => d.Id == "ODEOPT099").ToList();
        Assert.True(internalErrors.Count == 0, "internal generator error:\n" + Declarations(internalErrors));
        var newErrors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(newErrors.Count == 0, "the generated code does not compile:\n" + Declarations(newErrors.Take(5)));
        var run = new GeneratorRun(result.GeneratedSources.Select(g => new GeneratedFile(g.HintName, g.SourceText.ToString())).ToImmutableArray(),
            result.Diagnostics, ImmutableArray<Diagnostic>.Empty, driver, input, output);

        for (int i = 0; i < sources.Length; i++)
        {
            string path = GeneratorHarness.PathOf(i);
            var mine = run.GeneratorDiagnostics.Where(d => d.Location.GetLineSpan().Path == path).ToList();
            bool clean = sources[i].Contains("// clean", StringComparison.Ordinal);
            foreach (var d in mine) (clean ? stats.CleanById : stats.ById).AddOrUpdate(d.Id, 1, (_, c) => c + 1);
            if (clean) Interlocked.Increment(ref stats.Clean);
            if (clean && !mine.Any(d => d.Severity == DiagnosticSeverity.Error)) Interlocked.Increment(ref stats.CleanValid);
            bool error = mine.Any(d => d.Severity == DiagnosticSeverity.Error);
            bool generated = run.Sources.Any(s => s.HintName.StartsWith("Fuzz" + i + ".", StringComparison.Ordinal));
            if (error)
            {
                Assert.False(generated, "a declaration in error generated code:\n" + sources[i] + run.Describe());
                Interlocked.Increment(ref stats.Invalid);
            }
            else
            {
                Assert.True(generated, "a declaration without errors generated no code:\n" + sources[i] + run.Describe());
                Interlocked.Increment(ref stats.Valid);
                if (mine.Count > 0) Interlocked.Increment(ref stats.Warned);
            }
            Interlocked.Increment(ref stats.Declarations);
        }
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Location == Location.None);
    }

    // ------------------------------------------------------------------ generators of random declarations

    /// <summary>A batch of random declarations, each a whole file with <c>__INDEX__</c> in its namespace.</summary>
    internal static readonly Gen<string[]> Batch = Declaration().Array[BatchSize];

    private static readonly string[] Numbers =
    {
        "0", "0", "0", "1", "1", "1/2", "1/2", "-1", "2", "1/3", "2/3", "-1/3", "1/6", "0.25", "0.5", "1e-3", "3/4",
        "0.788675134594812882254574390251", "-0.577350269189625764509148780502", "1.5e2",
    };

    private static readonly string[] Garbage =
    {
        "", " ", ";", "0;", ";0", "x", "1/0", "0/0", "0 0; 1", "1e999", "1e-999", "1e400", "--1", "0,,0", "1/2/3", "0; ;0", "NaN",
        "\u221E", "0 0 0; 1 0", "1 2; 3", "+", "1e", "e1", ".", "1.2.3", "0x10", "1_000", "\u22121", "0\t0;\n1\t0",
        "0 0 0 0 0 0 0 0 0; 1 0 0 0 0 0 0 0 0", "99999999999999999999999999/3", "1/-2", "-0", "1e+5",
    };

    private static readonly (string A, string B)[] ExplicitTableaux =
    {
        ("0", "1"), ("0 0; 1 0", "1/2 1/2"), ("0 0; 1 0", "1 0"), ("0 0; 1/2 0", "0 1"), ("0 0; 2/3 0", "1/4 3/4"),
        ("0 0 0; 1 0 0; 1/4 1/4 0", "1/6 1/6 2/3"), ("0 0 0; 1/2 0 0; -1 2 0", "1/6 2/3 1/6"),
        ("0 0 0 0; 1/2 0 0 0; 0 1/2 0 0; 0 0 1 0", "1/6 1/3 1/3 1/6"), ("0,0;1,0", "0.5,0.5"),
    };

    private static readonly (string A, string B)[] ImplicitTableaux =
    {
        ("0 0; 0 1", "0 1"), ("0 0; 1/2 1/2", "1/2 1/2"), ("0 0; 0 1/2", "0 1"), ("1", "1"), ("1/2", "1"), ("0", "1"),
        ("0 0 0; 0 1/2 0; 0 1/2 1/2", "0 1/2 1/2"), ("0 0 0; 0 1 0; 0 -1 1", "0 0 1"), ("0 0; 1 0", "1 0"),
        ("0 0 0 0; 0 1/2 0 0; 0 0 1/2 0; 0 0 1/2 1/2", "0 0 1/2 1/2"),
    };

    private static int Stages(string a) => a.Split(';').Length;

    /// <summary>A random tableau of <paramref name="s"/> stages with the shape the language needs (strictly lower for the
    /// explicit one, lower for the implicit one) and as many weights as stages; its order and consistency are random.</summary>
    private static Gen<(string A, string B)> ShapedTableau(bool isExplicit, int s) =>
        from entries in Number.Array[16]
        from weights in Number.Array[4]
        select (string.Join("; ", Enumerable.Range(0, s).Select(i => string.Join(" ", Enumerable.Range(0, s).Select(j =>
                    isExplicit && j >= i || !isExplicit && j > i ? "0" : entries[i * 4 + j])))),
                string.Join(" ", weights.Take(s)));

    private static Gen<(string A, string B)> CleanPair(bool isExplicit, int stages) => Gen.Frequency(
        (5, Gen.OneOf((isExplicit ? ExplicitTableaux : ImplicitTableaux).Where(t => stages == 0 || Stages(t.A) == stages).ToArray())),
        (1, (stages == 0 ? Gen.Int[1, 4] : Gen.Const(stages)).SelectMany(k => ShapedTableau(isExplicit, k))));

    private static Gen<string> Number => Gen.OneOf(Numbers);

    /// <summary>A random square matrix (lower triangular, strictly lower, or full) and weights of a random length.</summary>
    private static Gen<(string A, string B)> RandomTableau =>
        from s in Gen.Int[1, 4]
        from shape in Gen.Int[0, 2]
        from entries in Number.Array[16]
        from weights in Number.Array[5]
        from bLength in Gen.Frequency((6, Gen.Const(0)), (1, Gen.Const(1)), (1, Gen.Const(-1)))
        select (string.Join("; ", Enumerable.Range(0, s).Select(i => string.Join(" ", Enumerable.Range(0, s).Select(j =>
                    shape == 0 && j >= i || shape == 1 && j > i ? "0" : entries[i * 4 + j])))),
                string.Join(" ", weights.Take(Math.Max(1, s + bLength))));

    private static Gen<(string A, string B)> Tableau(bool isExplicit) => Gen.Frequency(
        (6, Gen.OneOf(isExplicit ? ExplicitTableaux : ImplicitTableaux)),
        (3, RandomTableau),
        (2, from a in Gen.OneOf(Garbage) from b in Gen.OneOf(Garbage.Concat(Numbers).ToArray()) select (a, b)),
        (1, from t in Gen.OneOf(isExplicit ? ExplicitTableaux : ImplicitTableaux) from b in Gen.OneOf(Garbage) select (t.A, b)));

    private static string TableauAttribute(string name, (string A, string B) t, string? c) =>
        "[" + name + "(" + Literal(t.A) + (t.B == "<none>" ? "" : ", B = " + Literal(t.B)) + (c is null ? "" : ", C = " + Literal(c)) + ")]";

    private static Gen<string> TableauAttributes(bool clean) =>
        from kind in clean
            ? Gen.Frequency((6, Gen.Const(0)), (6, Gen.Const(1)), (3, Gen.Const(2)))
            : Gen.Frequency((6, Gen.Const(0)), (6, Gen.Const(1)), (3, Gen.Const(2)), (1, Gen.Const(3)), (1, Gen.Const(4)), (1, Gen.Const(5)))
        from e in clean ? CleanPair(true, 0) : Tableau(true)
        from i in clean ? CleanPair(false, Stages(e.A)) : Tableau(false)
        from c in clean ? Gen.Const((string?)null) : Gen.Frequency((8, Gen.Const((string?)null)), (1, Gen.OneOf<string?>("0 1", "0 1/2", "0", "0 1 1", "x")))
        from noB in clean ? Gen.Const(false) : Gen.Frequency((15, Gen.Const(false)), (1, Gen.Const(true)))
        from scheme in Gen.Int[0, 4]
        select kind switch
        {
            0 => TableauAttribute("ExplicitTableau", noB ? (e.A, "<none>") : e, c),
            1 => TableauAttribute("ExplicitTableau", e, null) + "\n" + TableauAttribute("ImplicitTableau", i, c),
            2 => "[ImexScheme(ImexSchemes." + new[] { "Euler", "Trapezoidal", "Midpoint", "Ars222", "Ars233" }[scheme] + ")]",
            3 => "[ImexScheme((ImexSchemes)" + (scheme + 5) + ")]",
            4 => "[ImexScheme(ImexSchemes.Euler)]\n" + TableauAttribute("ExplicitTableau", e, null),
            _ => "",
        };

    private static Gen<string> OptimizerAttribute(bool clean) =>
        from order in Gen.Frequency((6, Gen.Const((int?)null)), (clean ? 2 : 4, Gen.Int[clean ? 1 : -1, clean ? 3 : 5].Select(o => (int?)o)))
        from emptyName in clean ? Gen.Const(false) : Gen.Frequency((30, Gen.Const(false)), (1, Gen.Const(true)))
        select "[Optimizer(" + (emptyName ? "\"\"" : "\"fuzz-__INDEX__\"") + (order is int o ? ", Order = " + o : "") + ")]";

    private sealed record Hyper(string Name, string Type, string Text)
    {
        public string Parameter => char.ToLowerInvariant(Name[0]) + Name.Substring(1);
        public bool IsFlag => Type == "bool";
    }

    private static readonly string[] HyperNames =
    {
        "Beta", "Beta1", "Beta2", "Sigma", "Lr", "LearningRate", "Mu", "Gamma", "Eps", "Decay", "Momentum", "Nesterov", "Rho",
        "Info", "Step", "Previous", "Values", "Group", "Warnings", "H", "G", "T", "Theta", "M", "V", "Start", "Pass1", "Result", "I",
        "End", "Flag", "Alpha", "_x", "Step2",
    };

    /// <summary>Names that are fine for a hyperparameter (the rest of <see cref="HyperNames"/> collide with something).</summary>
    private static readonly string[] CleanHyperNames = { "Beta", "Beta1", "Beta2", "Sigma", "Lr", "Mu", "Gamma", "Eps", "Decay", "Momentum", "Rho", "Alpha", "Step2", "Values", "Group" };

    private static Gen<Hyper> HyperGen(bool clean, bool mayBeStepSize) =>
        from name in Gen.OneOf(clean ? CleanHyperNames : HyperNames)
        from type in clean ? Gen.Frequency((5, Gen.Const("float")), (1, Gen.Const("bool")))
            : Gen.Frequency((10, Gen.Const("float")), (3, Gen.Const("bool")), (1, Gen.Const("double")), (1, Gen.Const("int")))
        from accessors in clean ? Gen.Const("{ get; set; }") : Gen.Frequency((14, Gen.Const("{ get; set; }")), (1, Gen.Const("{ get; }")), (1, Gen.Const("{ get; init; }")))
        from isStatic in clean ? Gen.Const(false) : Gen.Frequency((20, Gen.Const(false)), (1, Gen.Const(true)))
        from attribute in clean
            ? Gen.Frequency((6, Gen.Const("[Hyperparameter]")), (3, Gen.Const("[Hyperparameter(Min = 0)]")), (2, Gen.Const("[Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)]")))
            : Gen.Frequency((6, Gen.Const("[Hyperparameter]")), (3, Gen.Const("[Hyperparameter(Min = 0)]")),
                (2, Gen.Const("[Hyperparameter(Min = 0, Max = 1, MaxExclusive = true)]")), (1, Gen.Const("[Hyperparameter(Min = 1, Max = 0)]")),
                (1, Gen.Const("[Hyperparameter(Min = 0, MinExclusive = true)]")), (1, Gen.Const("")))
        from stepSize in mayBeStepSize ? Gen.Frequency((3, Gen.Const("")), (1, Gen.Const("[StepSize]"))) : Gen.Const("")
        from value in Gen.OneOf("0.5", "1", "0", "0.9", "1e-3", "2")
        let flagAttribute = clean && type == "bool"
        select new Hyper(name, type, (flagAttribute ? "[Hyperparameter]" : attribute + (clean && type == "bool" ? "" : stepSize)) + " public " + (isStatic ? "static " : "") + type + " " + name + " " +
            (isStatic && accessors.Contains("init") ? "{ get; set; }" : accessors) + " = " +
            type switch { "float" => value + "f", "bool" => value == "1" ? "true" : "false", "int" => "1", _ => value } + ";");

    private static readonly string[] VariableNames = { "m", "v", "b", "x", "velocity", "i", "end", "V", "step", "beta", "values", "u" };
    private static readonly string[] BadVariableNames = { "g", "h", "t", "2nd", "", "class", "theta " };

    /// <summary>A float expression over <paramref name="floats"/> (and conditions over <paramref name="flags"/>), valid C#,
    /// with constructs the language accepts and some it does not (MathF.Tanh, %, Math.Sqrt).</summary>
    private static Gen<string> Expression(string[] floats, string[] flags, int depth, bool clean = false)
    {
        var leaf = floats.Length == 0
            ? Gen.OneOf("1f", "0.5f", "2f", "1e-3f", "0f")
            : Gen.Frequency((4, Gen.OneOf(floats)), (1, Gen.OneOf("1f", "0.5f", "2f", "1e-3f", "0f", "3f")));
        if (depth == 0) return leaf;
        var sub = Expression(floats, flags, depth - 1, clean);
        var conditions = new List<(int, IGen<string>)>
        {
            (3, from a in sub from b in sub from op in Gen.OneOf("<", ">", "<=", ">=", "==", "!=") select a + " " + op + " " + b),
            (1, from a in sub from b in sub select "(" + a + " > 0 && " + b + " < 1)"),
        };
        if (flags.Length > 0) conditions.Add((2, Gen.OneOf(flags.Concat(flags.Select(f => "!" + f)).ToArray())));
        var condition = Gen.Frequency(conditions.ToArray());
        var options = new List<(int, IGen<string>)>
        {
            (6, leaf),
            (6, from a in sub from b in sub from op in Gen.OneOf("+", "-", "*", "/") select "(" + a + " " + op + " " + b + ")"),
            (2, sub.Select(a => "-(" + a + ")")),
            (3, from a in sub from f in Gen.OneOf("Sqrt", "Abs", "Exp", "Log", "Sign") select "MathF." + f + "(" + a + ")"),
            (2, from a in sub from b in sub from f in Gen.OneOf("Max", "Min", "Pow") select "MathF." + f + "(" + a + ", " + b + ")"),
            (1, from a in sub from b in sub from c in sub select "MathF.FusedMultiplyAdd(" + a + ", " + b + ", " + c + ")"),
            (2, from c in condition from a in sub from b in sub select "(" + c + " ? " + a + " : " + b + ")"),
        };
        if (!clean)
        {
            options.Add((1, from a in sub select "MathF.Tanh(" + a + ")"));
            options.Add((1, from a in sub from b in sub select "(" + a + " % " + b + ")"));
            options.Add((1, from a in sub select "(float)Math.Sqrt(" + a + ")"));
        }
        return Gen.Frequency(options.ToArray());
    }

    private sealed record Parameter(string Name, string Type);

    /// <summary>A static float method with a random parameter list drawn from <paramref name="names"/> and a random body.
    /// <paramref name="clean"/>: only what the language accepts (the declaration may still be wrong as a scheme);
    /// <paramref name="readsGradient"/>: the body subtracts g, so that the scheme reads the gradient.</summary>
    private static Gen<string> Method(string attribute, string methodName, string[] names, Hyper[] hypers, bool clean, bool readsGradient = false) =>
        from count in Gen.Int[0, 4]
        from picked in Gen.OneOf(names).Array[count]
        from unknown in clean ? Gen.Const((string?)null) : Gen.Frequency((8, Gen.Const((string?)null)), (1, Gen.OneOf<string?>("lambda", "q", "w2")))
        from types in (clean ? Gen.Const("float") : Gen.Frequency((16, Gen.Const("float")), (1, Gen.Const("double")), (1, Gen.Const("ref float")), (1, Gen.Const("bool")))).Array[6]
        from isStatic in clean ? Gen.Const(true) : Gen.Frequency((15, Gen.Const(true)), (1, Gen.Const(false)))
        from returns in clean ? Gen.Const("float") : Gen.Frequency((15, Gen.Const("float")), (1, Gen.Const("double")))
        from shape in clean ? Gen.Frequency((8, Gen.Const(0)), (2, Gen.Const(1))) : Gen.Frequency((8, Gen.Const(0)), (2, Gen.Const(1)), (1, Gen.Const(2)))
        let parameters = Parameters(readsGradient ? picked.Prepend("g").ToArray() : picked, unknown, types, hypers)
        from body in BodyFor(parameters, shape, clean, readsGradient)
        select attribute + " " + (isStatic ? "static " : "") + returns + " " + methodName + "(" +
               string.Join(", ", parameters.Select(p => p.Type + " " + p.Name)) + ")" + body;

    private static Parameter[] Parameters(string[] picked, string? unknown, string[] types, Hyper[] hypers)
    {
        var names = picked.Concat(unknown is null ? Array.Empty<string>() : new[] { unknown }).Distinct().ToArray();
        return names.Select((n, k) =>
        {
            var hyper = hypers.FirstOrDefault(h => h.Parameter == n);
            string type = n == "t" ? (types[k] == "double" ? "long" : "int") : hyper is { IsFlag: true } && types[k] != "double" ? "bool" : types[k];
            return new Parameter(n, type);
        }).ToArray();
    }

    private static Gen<string> BodyFor(Parameter[] parameters, int shape, bool clean, bool readsGradient)
    {
        var floats = parameters.Where(p => p.Type is "float" or "ref float" or "int" or "long").Select(p => p.Name)
            .Concat(parameters.Where(p => p.Type == "double").Select(p => "(float)" + p.Name)).ToArray();
        var flags = parameters.Where(p => p.Type == "bool").Select(p => p.Name).ToArray();
        var e = Expression(floats, flags, 3, clean);
        if (readsGradient) e = e.Select(x => "-g + 0.01f * " + x);
        return shape switch
        {
            0 => e.Select(x => " => " + x + ";"),
            1 => from a in e from b in Expression(floats.Append("u0").ToArray(), flags, 2, clean) select "\n    {\n        float u0 = " + a + ";\n        return " + b + (readsGradient ? " - g" : "") + ";\n    }",
            _ => from a in e from b in e select "\n    {\n        if (" + a + " > 1) return " + a + ";\n        return " + b + ";\n    }",
        };
    }

    private static Gen<string> Declaration() => Gen.Bool.SelectMany(Declaration);

    /// <summary>A random declaration. <paramref name="clean"/>: every choice is one the language accepts, so that about half
    /// the declarations reach code generation (they may still be wrong as schemes: not affine, no gradient, a wrong order).</summary>
    private static Gen<string> Declaration(bool clean) =>
        from optimizer in OptimizerAttribute(clean)
        from tableaux in TableauAttributes(clean)
        from first in HyperGen(clean, mayBeStepSize: true)
        from others in HyperGen(clean, mayBeStepSize: !clean).Array[0, 2]
        from hyperCount in Gen.Int[0, 3]
        from variableList in (clean ? Gen.OneOf(VariableNames) : Gen.Frequency((8, Gen.OneOf(VariableNames)), (1, Gen.OneOf(BadVariableNames)))).Array[0, 2]
        from stepScalar in Gen.Frequency((8, Gen.Const((string?)null)), (1, clean ? Gen.OneOf<string?>("s", "muProduct") : Gen.OneOf<string?>("s", "muProduct", "theta", "1s", "m")))
        from modifiers in clean ? Gen.Const("public partial class") : Gen.Frequency((30, Gen.Const("public partial class")), (1, Gen.Const("public class")),
            (1, Gen.Const("internal sealed partial class")), (1, Gen.Const("public partial record")), (1, Gen.Const("public abstract partial class")))
        from generic in clean ? Gen.Const("") : Gen.Frequency((30, Gen.Const("")), (1, Gen.Const("<TParam>")))
        let hypers = (hyperCount == 0 ? Array.Empty<Hyper>() : others.Prepend(first).Take(hyperCount)).GroupBy(h => h.Name).Select(g => g.First()).ToArray()
        let variables = new[] { "theta" }.Concat(variableList).Where(v => !clean || hypers.All(h => h.Parameter != v)).Distinct().ToArray()
        from gradientAt in GradientAt(clean, variables, hypers)
        from conditions in Conditions(clean, hypers)
        from methods in Methods(variables, hypers, stepScalar, clean)
        select Assemble(clean, optimizer, tableaux, gradientAt, conditions, modifiers, generic, hypers, methods);

    private static Gen<string?> GradientAt(bool clean, string[] variables, Hyper[] hypers)
    {
        var others = variables.Where(v => v != "theta" && Regex.IsMatch(v, "^[A-Za-z_][A-Za-z0-9_]*$")).ToArray();
        var coefficients = hypers.Where(h => !h.IsFlag && h.Type == "float").Select(h => h.Parameter).Append("0.5f").ToArray();
        var good = others.Length == 0 ? Gen.Const((string?)null)
            : from v in Gen.OneOf(others) from c in Gen.OneOf(coefficients) select (string?)("theta + " + c + " * " + v);
        if (clean) return Gen.Frequency((6, Gen.Const((string?)null)), (1, good));
        return Gen.Frequency((10, Gen.Const((string?)null)), (2, good),
            (1, Gen.OneOf<string?>("theta", "theta + m * m", "theta + g", "2 * theta", "theta + ", "", "theta + m % 2", "theta - h * m", "velocity + theta", "theta + sigma * m")));
    }

    private static Gen<string[]> Conditions(bool clean, Hyper[] hypers)
    {
        var floats = hypers.Where(h => !h.IsFlag && h.Type == "float").Select(h => h.Parameter).ToArray();
        var flags = hypers.Where(h => h.IsFlag).Select(h => h.Parameter).ToArray();
        var options = new List<(int, IGen<string>)>();
        if (floats.Length > 0)
        {
            options.Add((3, from a in Gen.OneOf(floats) from b in Gen.OneOf(floats) from op in Gen.OneOf("<", ">", "<=", ">=")
                            select "3 + " + a + " " + op + " 4 * " + b));
            options.Add((1, from a in Gen.OneOf(floats) select "MathF.Sqrt(" + a + ") < 2 && h > 0"));
        }
        if (flags.Length > 0) options.Add((1, from f in Gen.OneOf(flags) select "!" + f + " || h < 1"));
        if (clean && options.Count == 0) options.Add((1, Gen.OneOf("h < 1", "h > 0 && h <= 2")));
        if (!clean) options.Add((2, Gen.OneOf("3 + beta2 > 4 * beta1", "x", "", "g < 1", "beta % 2 == 0", "1 - beta", "t > 1", "beta >", "h < 1")));
        return Gen.Frequency((6, Gen.Const(0)), (2, Gen.Const(1)), (1, Gen.Const(2))).SelectMany(k => Gen.Frequency(options.ToArray()).Array[k]);
    }

    private static Gen<string[]> Methods(string[] variables, Hyper[] hypers, string? stepScalar, bool clean)
    {
        var bindable = variables.Where(v => Regex.IsMatch(v, "^[A-Za-z_][A-Za-z0-9_]*$") && v != "class")
            .Concat(new[] { "g", "g", "h", "t" }).Concat(hypers.Select(h => h.Parameter))
            .Concat(stepScalar is null || !Regex.IsMatch(stepScalar, "^[A-Za-z_][A-Za-z0-9_]*$") ? Array.Empty<string>() : new[] { stepScalar })
            .Distinct().ToArray();
        var gens = new List<Gen<string>>();
        int k = 0;
        foreach (var v in variables)
        {
            string literal = Literal(v);
            bool theta = v == "theta";
            // theta mostly has an explicit part (one that reads g, when clean); other variables an explicit or an implicit one, sometimes both.
            gens.Add(clean && theta
                ? Method("[Explicit(" + literal + ")]", "Rhs" + k++, bindable, hypers, clean, readsGradient: true)
                : Gen.Frequency((theta ? 12 : 8, Method("[Explicit(" + literal + ")]", "Rhs" + k++, bindable, hypers, clean)), (1, Gen.Const(""))));
            gens.Add(Gen.Frequency((theta ? 1 : 2, Method("[Implicit(" + literal + ")]", "Rhs" + k++, bindable.Where(b => b != "g").ToArray(), hypers, clean)), (6, Gen.Const(""))));
            if (!theta || !clean)
                gens.Add(Gen.Frequency((1, Method("[Initial(" + literal + ")]", "Init" + k++, new[] { "g", "theta" }.Concat(hypers.Select(h => h.Parameter)).ToArray(), hypers, clean)), (8, Gen.Const(""))));
        }
        if (!clean) gens.Add(Gen.Frequency((1, Method("[Explicit(\"theta\")]", "Extra" + k++, bindable, hypers, clean)), (20, Gen.Const(""))));
        if (stepScalar is not null)
            gens.Add(Method("[StepScalar(" + Literal(stepScalar) + ", Initial = 1)]", "Scalar" + k++, new[] { stepScalar, "h", "t" }.Concat(clean ? Array.Empty<string>() : new[] { "g" })
                .Where(n => Regex.IsMatch(n, "^[A-Za-z_][A-Za-z0-9_]*$")).Concat(hypers.Select(h => h.Parameter)).ToArray(), hypers, clean));
        return gens.Aggregate(Gen.Const(Array.Empty<string>()), (acc, g) => from a in acc from m in g select a.Append(m).ToArray());
    }

    private static string Assemble(bool clean, string optimizer, string tableaux, string? gradientAt, string[] conditions, string modifiers, string generic, Hyper[] hypers, string[] methods)
    {
        var sb = new StringBuilder();
        sb.Append("using System;\nusing OdeOpt;\n\nnamespace Fuzz__INDEX__;\n\n");
        if (clean) sb.Append("// clean: drawn from constructs the language accepts\n");
        sb.Append(optimizer).Append('\n');
        if (tableaux.Length > 0) sb.Append(tableaux).Append('\n');
        if (gradientAt is not null) sb.Append("[GradientAt(").Append(Literal(gradientAt)).Append(")]\n");
        foreach (var c in conditions) sb.Append("[Condition(").Append(Literal(c)).Append(", Reference = \"fuzz\")]\n");
        sb.Append(modifiers).Append(" O").Append(generic).Append("\n{\n");
        foreach (var h in hypers) sb.Append("    ").Append(h.Text).Append('\n');
        foreach (var m in methods) if (m.Length > 0) sb.Append("    ").Append(m).Append('\n');
        sb.Append("}\n");
        return sb.ToString();
    }

    private static string Literal(string s) => Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(s, quote: true);
}
