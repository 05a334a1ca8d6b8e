using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Parsing;

/// <summary>Reads the plan text written by <c>Emit.PlanMetadataWriter</c> back into a <see cref="GpuPlan"/>.
/// Never throws: anything it does not understand (another format version, a damaged string) is an error message.</summary>
internal static class PlanMetadataReader
{
    public static GpuPlan? Read(string text, string? ns, string className, bool isPublic, out string? error)
    {
        try
        {
            return ReadCore(text, ns, className, isPublic, out error);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException or IndexOutOfRangeException or InvalidOperationException)
        {
            error = "its plan metadata cannot be read (" + ex.Message + ")";
            return null;
        }
    }

    private static GpuPlan? ReadCore(string text, string? ns, string className, bool isPublic, out string? error)
    {
        error = null;
        var lines = text.Split('\n');
        var header = Tokenize(lines[0]);
        if (header.Count != 2 || header[0] != PlanFormat.Header)
        {
            error = "its plan metadata is not an OdeOpt plan";
            return null;
        }
        int version = Int(header[1]);
        if (version < PlanFormat.OldestVersion || version > PlanFormat.Version)
        {
            error = "its plan metadata has format version " + version + "; this OdeOpt generator reads versions " + PlanFormat.OldestVersion + " to " + PlanFormat.Version;
            return null;
        }

        string name = "";
        int gradients = 1, arrays = 0, bytes = 0, start = -1, init = -1, iterateAtStart = -1;
        bool conditions = false;
        var rollback = RollbackLayout.None;
        int bfloat16 = 0, half = 0, parameterBytes = 0;
        var cycle = new List<int>();
        var iterate = new List<int>();
        var hypers = new List<GpuHyperparameter>();
        var uniforms = new List<UniformPlan>();
        var kernels = new List<KernelPlan>();
        KernelHead? kernel = null;

        void FlushKernel()
        {
            if (kernel is null) return;
            var reduce = kernel.ReduceTerms.Count == 0 ? null
                : new ReductionPlan(kernel.ReduceLoads.ToEquatableArray(), kernel.ReduceStatements.ToEquatableArray(), kernel.ReduceTerms.ToEquatableArray());
            kernels.Add(new KernelPlan(kernel.Name, kernel.Description, kernel.BeginsStep, kernel.Loads.ToEquatableArray(), kernel.Statements.ToEquatableArray(), kernel.Stores.ToEquatableArray(),
                kernel.Conditions.ToEquatableArray(), kernel.Variants.ToEquatableArray(), reduce));
            kernel = null;
        }

        for (int i = 1; i < lines.Length; i++)
        {
            var t = Tokenize(lines[i]);
            if (t.Count == 0) continue;
            switch (t[0])
            {
                case "name": name = Unquote(t[1]); break;
                case "gradients": gradients = Int(t[1]); break;
                case "arrays": arrays = Int(t[1]); break;
                case "bytes": bytes = Int(t[1]); break;
                case "start": start = Int(t[1]); break;
                case "init": init = Int(t[1]); break;
                case "iterate-at-start": iterateAtStart = Int(t[1]); break;
                case "conditions": conditions = true; break;
                case "rollback": rollback = new RollbackLayout(Int(t[1]), t.Skip(4).Select(Int).ToEquatableArray(), Int(t[2]), Int(t[3])); break;
                case "storage": bfloat16 = Int(t[1]); half = Int(t[2]); break;
                case "parameter-storage": parameterBytes = Int(t[1]); break;
                case "cycle": for (int k = 1; k < t.Count; k++) cycle.Add(Int(t[k])); break;
                case "iterate": for (int k = 1; k < t.Count; k++) iterate.Add(Int(t[k])); break;
                case "hyper": hypers.Add(new GpuHyperparameter(Unquote(t[1]), Unquote(t[2]), t.Count > 3 && t[3] == "step", t.Count > 3 && t[3] == "flag")); break;
                case "uniform": uniforms.Add(new UniformPlan(t[1], ReadExpression(t, 2))); break;
                case "kernel":
                    FlushKernel();
                    kernel = new KernelHead(t[1], Unquote(t[3]), t[2] == "begins");
                    break;
                case "load": Current(kernel).Loads.Add(new KernelLoad(t[1], Int(t[2]))); break;
                case "let": Current(kernel).Statements.Add(new KernelStatement(t[1], ReadExpression(t, 2))); break;
                case "store": Current(kernel).Stores.Add(new KernelStore(Int(t[1]), t[2])); break;
                case "condition": Current(kernel).Conditions.Add(new StepCondition(ReadExpression(t, 1), "")); break;
                case "variant":
                    // A variant read back carries only the arrays its body touches (as loads): what the GPU kernel needs.
                    Current(kernel).Variants.Add(new KernelVariant(Int(t[1]),
                        t.Skip(2).Select(s => new KernelLoad("", Int(s))).ToEquatableArray(), EquatableArray<KernelStatement>.Empty, EquatableArray<KernelStore>.Empty));
                    break;
                case "reduce-load": Current(kernel).ReduceLoads.Add(new KernelLoad(t[1], Int(t[2]))); break;
                case "reduce-let": Current(kernel).ReduceStatements.Add(new KernelStatement(t[1], ReadExpression(t, 2))); break;
                case "reduce-term":
                    Current(kernel).ReduceTerms.Add(new ReductionTerm(t[1], (ReductionKind)Enum.Parse(typeof(ReductionKind), t[2]), t[3], t.Count > 4 ? Unquote(t[4]) : ""));
                    break;
                default: throw new FormatException("unknown record '" + t[0] + "'");
            }
        }
        FlushKernel();

        // The indices must point at passes that exist: the emitter trusts them.
        bool Valid(int k, bool optional) => (optional && k == -1) || (k >= 0 && k < kernels.Count);
        if (kernels.Count == 0 || cycle.Count == 0 || !Valid(start, true) || !Valid(init, true) || !Valid(iterateAtStart, true)
            || !cycle.TrueForAll(k => Valid(k, false)) || !iterate.TrueForAll(k => Valid(k, false)) || arrays < 0 || gradients < 1
            || !Valid(rollback.Kernel, true) || rollback.Targets.Any(s => s < -1 || s >= arrays)
            || (bfloat16 & half) != 0 || parameterBytes < 0 || (parameterBytes > 0 && (cycle.Count != 1 || gradients != 1)) || ((bfloat16 | half) >> Math.Min(arrays, 31)) != 0 || bfloat16 < 0 || half < 0)
            throw new FormatException("its pass layout is inconsistent");

        return new GpuPlan(ns, className, name, isPublic, gradients, arrays, bytes, hypers.ToEquatableArray(), uniforms.ToEquatableArray(),
            kernels.ToEquatableArray(), start, cycle.ToEquatableArray(), init, iterate.ToEquatableArray(), iterateAtStart, conditions, rollback, bfloat16, half, parameterBytes);
    }

    private sealed class KernelHead
    {
        public KernelHead(string name, string description, bool beginsStep)
        {
            Name = name;
            Description = description;
            BeginsStep = beginsStep;
        }

        public string Name { get; }
        public string Description { get; }
        public bool BeginsStep { get; }
        public List<KernelLoad> Loads { get; } = new();
        public List<KernelStatement> Statements { get; } = new();
        public List<KernelStore> Stores { get; } = new();
        public List<StepCondition> Conditions { get; } = new();
        public List<KernelVariant> Variants { get; } = new();
        public List<KernelLoad> ReduceLoads { get; } = new();
        public List<KernelStatement> ReduceStatements { get; } = new();
        public List<ReductionTerm> ReduceTerms { get; } = new();
    }

    private static KernelHead Current(KernelHead? kernel) => kernel ?? throw new FormatException("a pass record before any 'kernel'");

    private static int Int(string token) => int.Parse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    // ------------------------------------------------------------------ expressions

    private static Expr ReadExpression(List<string> tokens, int start)
    {
        int at = start;
        var e = ReadNode(tokens, ref at);
        if (at != tokens.Count) throw new FormatException("trailing tokens after an expression");
        return e;
    }

    private static Expr ReadNode(List<string> tokens, ref int at)
    {
        string token = tokens[at++];
        if (token.StartsWith("#", StringComparison.Ordinal)) return new ConstExpr(Double(token.Substring(1)));
        if (token.StartsWith("$", StringComparison.Ordinal))
        {
            int colon = token.IndexOf(':');
            if (colon < 0) throw new FormatException("a reference without a binding");
            var kind = (Binding)Enum.Parse(typeof(Binding), token.Substring(1, colon - 1));
            return new RefExpr(kind, token.Substring(colon + 1));
        }
        if (token != "(") throw new FormatException("unexpected token '" + token + "'");
        string head = tokens[at++];
        var args = new List<Expr>();
        while (tokens[at] != ")") args.Add(ReadNode(tokens, ref at));
        at++;
        Expr node;
        if (head == "If" && args.Count == 3) node = new ConditionalExpr(args[0], args[1], args[2]);
        else if (Enum.TryParse(head, out UnaryOp unary) && args.Count == 1) node = new UnaryExpr(unary, args[0]);
        else if (Enum.TryParse(head, out BinaryOp binary) && args.Count == 2) node = new BinaryExpr(binary, args[0], args[1]);
        else if (Enum.TryParse(head, out MathFunction function) && args.Count == ExprText.Arity(function)) node = new CallExpr(function, args.ToEquatableArray());
        else throw new FormatException("unknown operation '" + head + "' with " + args.Count + " operand(s)");
        return node;
    }

    private static double Double(string text) => text switch
    {
        "NaN" => double.NaN,
        "Infinity" => double.PositiveInfinity,
        "-Infinity" => double.NegativeInfinity,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    // ------------------------------------------------------------------ tokens

    /// <summary>Splits a line into '(', ')', quoted strings (kept with their quotes) and bare words.</summary>
    private static List<string> Tokenize(string line)
    {
        var tokens = new List<string>();
        int i = 0;
        while (i < line.Length)
        {
            char c = line[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c == '(' || c == ')') { tokens.Add(c.ToString()); i++; continue; }
            if (c == '"')
            {
                var sb = new StringBuilder("\"");
                i++;
                while (i < line.Length && line[i] != '"')
                {
                    if (line[i] == '\\' && i + 1 < line.Length) { sb.Append(line[i]).Append(line[i + 1]); i += 2; }
                    else sb.Append(line[i++]);
                }
                if (i >= line.Length) throw new FormatException("an unterminated string");
                i++;
                tokens.Add(sb.Append('"').ToString());
                continue;
            }
            int begin = i;
            while (i < line.Length && !char.IsWhiteSpace(line[i]) && line[i] != '(' && line[i] != ')' && line[i] != '"') i++;
            tokens.Add(line.Substring(begin, i - begin));
        }
        return tokens;
    }

    private static string Unquote(string token)
    {
        if (token.Length < 2 || token[0] != '"' || token[token.Length - 1] != '"') throw new FormatException("a string was expected");
        var sb = new StringBuilder();
        for (int i = 1; i < token.Length - 1; i++)
        {
            char c = token[i];
            if (c != '\\') { sb.Append(c); continue; }
            char e = token[++i];
            sb.Append(e switch { 'n' => '\n', 'r' => '\r', _ => e });
        }
        return sb.ToString();
    }
}
