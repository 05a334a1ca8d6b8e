using System;
using System.Linq;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Threading.Tasks;
using OdeOpt;
using OdeOpt.Optimizers;
using OdeOpt.Runtime;

namespace OdeOpt.Benchmarks;

/// <summary>SGD with momentum (torch.optim.SGD's update, dampening 0): b = mu b + g, theta -= lr b.
/// Declared here so that the benchmark does not depend on which SGD variants are built in.</summary>
[Optimizer("bench-sgd-momentum")]
[ImexScheme(ImexSchemes.Euler)]
public partial class BenchSgdMomentum
{
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 0.01f;
    [Hyperparameter(Min = 0)] public float Momentum { get; set; } = 0.9f;

    [Explicit("b")] static float B(float g, float b, float momentum, float h) => ((momentum - 1) * b + g) / h;
    [Implicit("theta")] static float Theta(float b) => -b;
}

/// <summary>Classical RK4 on the gradient flow: a multi-pass scheme (4 passes per step).</summary>
[Optimizer("bench-rk4-gradient-flow", Order = 4)]
[ExplicitTableau("0 0 0 0; 1/2 0 0 0; 0 1/2 0 0; 0 0 1 0", B = "1/6 1/3 1/3 1/6")]
public partial class BenchRk4
{
    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 1e-3f;
    [Explicit("theta")] static float Theta(float g) => -g;
}

/// <summary>One optimizer at one size and thread count, with the four ways of doing its update.</summary>
public abstract class BenchCase
{
    protected BenchCase(int n, int threads)
    {
        N = n;
        Threads = threads;
        P = Fill(n, 0.5f);
        G = Fill(n, 0.01f);
    }

    public int N { get; }
    public int Threads { get; }
    public abstract string Name { get; }
    /// <summary>Bytes read and written per parameter by one step of the generated kernel (from the plan).</summary>
    public abstract int BytesPerParameter { get; }
    protected float[] P { get; }
    protected float[] G { get; }

    /// <summary>The generated fused step (multi-pass schemes: one whole step, gradients from <see cref="G"/>).</summary>
    public abstract void Generated();
    /// <summary>A plain scalar C# loop of the same update, as a user would write it.</summary>
    public abstract void Scalar();
    /// <summary>The same update composed from TensorPrimitives calls (several passes).</summary>
    public abstract void Tensor();
    /// <summary>The memory roofline: the same arrays read and written with trivial arithmetic.</summary>
    public abstract void Triad();

    protected static float[] Fill(int n, float scale)
    {
        var a = GC.AllocateUninitializedArray<float>(n, pinned: true);
        for (int i = 0; i < n; i++) a[i] = scale * (1 + (i % 97) * 0.01f);
        return a;
    }

    /// <summary>Runs body over [0, N) in blocks of 32,768 (the generated kernels' block), on <see cref="Threads"/>
    /// threads, or one block after the other on one thread. The same blocking at every thread count: a composition of
    /// several passes (TensorPrimitives) keeps a block's intermediates in cache whether or not it runs on threads.</summary>
    protected void ForBlocks(Action<int, int> body)
    {
        const int block = 1 << 15;
        int blocks = (N + block - 1) / block;
        if (Threads <= 1 || N < 2 * block)
        {
            for (int b = 0; b < blocks; b++) body(b * block, Math.Min(N, (b + 1) * block));
            return;
        }
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = Threads }, b => body(b * block, Math.Min(N, (b + 1) * block)));
    }

    protected static void Configure(IOptimizer optimizer, int threads) =>
        optimizer.GetType().GetProperty("MaxDegreeOfParallelism")!.SetValue(optimizer, threads);

    public override string ToString() => $"{Name} N={N} threads={Threads}";
}

public sealed class AdamCase : BenchCase
{
    private const float Lr = 1e-3f, B1 = 0.9f, B2 = 0.999f, Eps = 1e-8f;
    private readonly Adam _opt;
    private readonly float[] _m, _v, _tmp;
    private int _t;

    public AdamCase(int n, int threads) : base(n, threads)
    {
        _opt = new Adam(n) { LearningRate = Lr };
        Configure(_opt, threads);
        _m = Fill(n, 0.001f);
        _v = Fill(n, 0.0001f);
        _tmp = Fill(n, 0);
    }

    public override string Name => "adam";
    public override int BytesPerParameter => Adam.StaticInfo.BytesPerParameterPerStep;

    public override void Generated() => _opt.Step(P, G);

    public override void Scalar()
    {
        _t++;
        float bc1 = 1 - MathF.Pow(B1, _t), bc2 = 1 - MathF.Pow(B2, _t);
        float[] p = P, g = G, m = _m, v = _v;
        ForBlocks((start, end) =>
        {
            for (int i = start; i < end; i++)
            {
                m[i] = B1 * m[i] + (1 - B1) * g[i];
                v[i] = B2 * v[i] + (1 - B2) * g[i] * g[i];
                p[i] -= Lr * (m[i] / bc1) / (MathF.Sqrt(v[i] / bc2) + Eps);
            }
        });
    }

    public override void Tensor()
    {
        _t++;
        float bc1 = 1 - MathF.Pow(B1, _t), bc2 = 1 - MathF.Pow(B2, _t);
        float[] p = P, g = G, m = _m, v = _v, tmp = _tmp;
        ForBlocks((start, end) =>
        {
            int len = end - start;
            Span<float> P = p.AsSpan(start, len), Gr = g.AsSpan(start, len), M = m.AsSpan(start, len), V = v.AsSpan(start, len), T = tmp.AsSpan(start, len);
            TensorPrimitives.Multiply(Gr, 1 - B1, T);
            TensorPrimitives.MultiplyAdd(M, B1, T, M);                 // m = b1 m + (1 - b1) g
            TensorPrimitives.Multiply(Gr, Gr, T);
            TensorPrimitives.Multiply(T, 1 - B2, T);
            TensorPrimitives.MultiplyAdd(V, B2, T, V);                 // v = b2 v + (1 - b2) g^2
            TensorPrimitives.Multiply(V, 1 / bc2, T);
            TensorPrimitives.Sqrt(T, T);
            TensorPrimitives.Add(T, Eps, T);                           // sqrt(v / bc2) + eps
            TensorPrimitives.Divide(M, T, T);
            TensorPrimitives.MultiplyAdd(T, -Lr / bc1, P, P);          // p -= lr / bc1 * m / denom
        });
    }

    public override void Triad()
    {
        float[] p = P, g = G, m = _m, v = _v;
        ForBlocks((start, end) => Roofline.ReadFourWriteThree(p, g, m, v, start, end));
    }
}

public sealed class TrapezoidalCase : BenchCase
{
    private const float Lr = 1e-3f, B1 = 0.9f, B2 = 0.999f, Eps = 1e-8f;
    private readonly ImexTrapezoidalAdam _opt;
    private readonly float[] _m2, _macc, _v2, _vacc, _tmp, _tmp2;
    private int _t;

    public TrapezoidalCase(int n, int threads) : base(n, threads)
    {
        _opt = new ImexTrapezoidalAdam(n) { LearningRate = Lr };
        Configure(_opt, threads);
        _m2 = Fill(n, 0.001f);
        _macc = Fill(n, 0.001f);
        _v2 = Fill(n, 0.0001f);
        _vacc = Fill(n, 0.0001f);
        _tmp = Fill(n, 0);
        _tmp2 = Fill(n, 0);
        _opt.Step(P, G); // begin the pipeline: every later call is the steady "finish step n, begin step n+1" pass
    }

    public override string Name => "imex-trapezoidal-adam";
    public override int BytesPerParameter => ImexTrapezoidalAdam.StaticInfo.BytesPerParameterPerStep;

    public override void Generated() => _opt.Step(P, G);

    // The steady pass written out per element: finish step n with g at theta_{n+1}, begin step n+1 with the same g.
    public override void Scalar()
    {
        _t++;
        float c1 = (1 - B1), c2 = (1 - B2);
        float bc1 = 1 - MathF.Pow(B1, _t + 1), bc2 = 1 - MathF.Pow(B2, _t + 1);
        float[] p = P, g = G, m2 = _m2, macc = _macc, v2 = _v2, vacc = _vacc;
        ForBlocks((start, end) =>
        {
            for (int i = start; i < end; i++)
            {
                float gi = g[i];
                float m = macc[i] + 0.5f * c1 * (gi - m2[i]);
                float v = vacc[i] + 0.5f * c2 * (gi * gi - v2[i]);
                float l1 = (m / bc1) / (MathF.Sqrt(v / bc2) + Eps);
                float mn = m + c1 * (gi - m), vn = v + c2 * (gi * gi - v);
                float l2 = (mn / bc1) / (MathF.Sqrt(vn / bc2) + Eps);
                p[i] -= 0.5f * Lr * (l1 + l2);
                m2[i] = mn; v2[i] = vn;
                macc[i] = m + 0.5f * c1 * (gi - m);
                vacc[i] = v + 0.5f * c2 * (gi * gi - v);
            }
        });
    }

    public override void Tensor()
    {
        _t++;
        float c1 = (1 - B1), c2 = (1 - B2);
        float bc1 = 1 - MathF.Pow(B1, _t + 1), bc2 = 1 - MathF.Pow(B2, _t + 1);
        float[] p = P, g = G, m2 = _m2, macc = _macc, v2 = _v2, vacc = _vacc, tmp = _tmp, tmp2 = _tmp2;
        ForBlocks((start, end) =>
        {
            int len = end - start;
            Span<float> P = p.AsSpan(start, len), Gr = g.AsSpan(start, len), M2 = m2.AsSpan(start, len), MA = macc.AsSpan(start, len),
                V2 = v2.AsSpan(start, len), VA = vacc.AsSpan(start, len), T = tmp.AsSpan(start, len), U = tmp2.AsSpan(start, len);
            // m = macc + c1/2 (g - m2);  v = vacc + c2/2 (g^2 - v2)
            TensorPrimitives.Subtract(Gr, M2, T);
            TensorPrimitives.MultiplyAdd(T, 0.5f * c1, MA, MA);
            TensorPrimitives.Multiply(Gr, Gr, U);
            TensorPrimitives.Subtract(U, V2, T);
            TensorPrimitives.MultiplyAdd(T, 0.5f * c2, VA, VA);
            // l1 = m / (sqrt(v / bc2) + eps): p -= lr/(2 bc1) l1
            TensorPrimitives.Multiply(VA, 1 / bc2, T);
            TensorPrimitives.Sqrt(T, T);
            TensorPrimitives.Add(T, Eps, T);
            TensorPrimitives.Divide(MA, T, T);
            TensorPrimitives.MultiplyAdd(T, -0.5f * Lr / bc1, P, P);
            // m2 = m + c1 (g - m); v2 = v + c2 (g^2 - v)
            TensorPrimitives.Subtract(Gr, MA, T);
            TensorPrimitives.MultiplyAdd(T, c1, MA, M2);
            TensorPrimitives.Subtract(U, VA, T);
            TensorPrimitives.MultiplyAdd(T, c2, VA, V2);
            // l2 from m2, v2
            TensorPrimitives.Multiply(V2, 1 / bc2, T);
            TensorPrimitives.Sqrt(T, T);
            TensorPrimitives.Add(T, Eps, T);
            TensorPrimitives.Divide(M2, T, T);
            TensorPrimitives.MultiplyAdd(T, -0.5f * Lr / bc1, P, P);
            // macc = m + c1/2 (g - m); vacc likewise
            TensorPrimitives.Subtract(Gr, MA, T);
            TensorPrimitives.MultiplyAdd(T, 0.5f * c1, MA, MA);
            TensorPrimitives.Subtract(U, VA, T);
            TensorPrimitives.MultiplyAdd(T, 0.5f * c2, VA, VA);
        });
    }

    public override void Triad()
    {
        float[] p = P, g = G, a = _m2, b = _macc, c = _v2, d = _vacc;
        ForBlocks((start, end) => Roofline.ReadSixWriteFive(p, g, a, b, c, d, start, end));
    }
}

public sealed class MomentumCase : BenchCase
{
    private const float Lr = 0.01f, Mu = 0.9f;
    private readonly BenchSgdMomentum _opt;
    private readonly float[] _b;

    public MomentumCase(int n, int threads) : base(n, threads)
    {
        _opt = new BenchSgdMomentum(n) { LearningRate = Lr, Momentum = Mu };
        Configure(_opt, threads);
        _b = Fill(n, 0.001f);
    }

    public override string Name => "sgd-momentum";
    public override int BytesPerParameter => BenchSgdMomentum.StaticInfo.BytesPerParameterPerStep;

    public override void Generated() => _opt.Step(P, G);

    public override void Scalar()
    {
        float[] p = P, g = G, b = _b;
        ForBlocks((start, end) =>
        {
            for (int i = start; i < end; i++)
            {
                b[i] = Mu * b[i] + g[i];
                p[i] -= Lr * b[i];
            }
        });
    }

    public override void Tensor()
    {
        float[] p = P, g = G, b = _b;
        ForBlocks((start, end) =>
        {
            int len = end - start;
            Span<float> Pp = p.AsSpan(start, len), Gr = g.AsSpan(start, len), Bb = b.AsSpan(start, len);
            TensorPrimitives.MultiplyAdd(Bb, Mu, Gr, Bb);
            TensorPrimitives.MultiplyAdd(Bb, -Lr, Pp, Pp);
        });
    }

    public override void Triad()
    {
        float[] p = P, g = G, b = _b;
        ForBlocks((start, end) => Roofline.ReadThreeWriteTwo(p, g, b, start, end));
    }
}

public sealed class Rk4Case : BenchCase
{
    private readonly BenchRk4 _opt;
    private readonly GradientFunction _gradient;
    private readonly float[] _a0, _a1;

    public Rk4Case(int n, int threads) : base(n, threads)
    {
        _opt = new BenchRk4(n);
        Configure(_opt, threads);
        _gradient = (_, gr) => { }; // the gradient buffer is the optimizer's own; its content is irrelevant for timing
        _a0 = Fill(n, 0.5f);
        _a1 = Fill(n, 0.5f);
    }

    public override string Name => "rk4-gradient-flow";
    public override int BytesPerParameter => BenchRk4.StaticInfo.BytesPerParameterPerStep;

    public override void Generated() => _opt.Step(P, _gradient);

    public override void Scalar()
    {
        // The four passes of the generated plan, written as plain loops (theta_n and one accumulator kept).
        const float h = 1e-3f;
        float[] p = P, g = G, t0 = _a0, acc = _a1;
        ForBlocks((s, e) => { for (int i = s; i < e; i++) { t0[i] = p[i]; acc[i] = p[i] - h / 6 * g[i]; p[i] -= h / 2 * g[i]; } });
        ForBlocks((s, e) => { for (int i = s; i < e; i++) { acc[i] -= h / 3 * g[i]; p[i] = t0[i] - h / 2 * g[i]; } });
        ForBlocks((s, e) => { for (int i = s; i < e; i++) { acc[i] -= h / 3 * g[i]; p[i] = t0[i] - h * g[i]; } });
        ForBlocks((s, e) => { for (int i = s; i < e; i++) { p[i] = acc[i] - h / 6 * g[i]; } });
    }

    public override void Tensor()
    {
        const float h = 1e-3f;
        float[] p = P, g = G, t0 = _a0, acc = _a1;
        // Stage by stage like the generated plan: in training a gradient evaluation over the whole vector separates
        // two stages, so no composition may carry a block from one stage into the next.
        ForBlocks((s, e) =>
        {
            Span<float> Pp = p.AsSpan(s, e - s), Gr = g.AsSpan(s, e - s), T0 = t0.AsSpan(s, e - s), A = acc.AsSpan(s, e - s);
            Pp.CopyTo(T0);
            TensorPrimitives.MultiplyAdd(Gr, -h / 6, Pp, A);
            TensorPrimitives.MultiplyAdd(Gr, -h / 2, Pp, Pp);
        });
        ForBlocks((s, e) =>
        {
            Span<float> Pp = p.AsSpan(s, e - s), Gr = g.AsSpan(s, e - s), T0 = t0.AsSpan(s, e - s), A = acc.AsSpan(s, e - s);
            TensorPrimitives.MultiplyAdd(Gr, -h / 3, A, A);
            TensorPrimitives.MultiplyAdd(Gr, -h / 2, T0, Pp);
        });
        ForBlocks((s, e) =>
        {
            Span<float> Pp = p.AsSpan(s, e - s), Gr = g.AsSpan(s, e - s), T0 = t0.AsSpan(s, e - s), A = acc.AsSpan(s, e - s);
            TensorPrimitives.MultiplyAdd(Gr, -h / 3, A, A);
            TensorPrimitives.MultiplyAdd(Gr, -h, T0, Pp);
        });
        ForBlocks((s, e) => TensorPrimitives.MultiplyAdd(g.AsSpan(s, e - s), -h / 6, acc.AsSpan(s, e - s), p.AsSpan(s, e - s)));
    }

    public override void Triad()
    {
        // The generated plan's four passes (see its header): reads p,g writes p,a0; reads p,a0,g writes p,a1;
        // reads a0,a1,g writes p,a0; reads a0,g writes p.
        float[] p = P, g = G, a = _a0, b = _a1;
        ForBlocks((s, e) => Roofline.Pattern(new[] { p, g }, new[] { p, a }, s, e));
        ForBlocks((s, e) => Roofline.Pattern(new[] { p, a, g }, new[] { p, b }, s, e));
        ForBlocks((s, e) => Roofline.Pattern(new[] { a, b, g }, new[] { p, a }, s, e));
        ForBlocks((s, e) => Roofline.Pattern(new[] { a, g }, new[] { p }, s, e));
    }
}

/// <summary>Kernels with a given access pattern and trivial arithmetic: the speed of memory. Written with the same
/// vector abstraction and width choice as the generated kernels.</summary>
public static class Roofline
{
    private static void Run(float[][] arrays, int start, int end, Func<float[][], nint, nint, nint> v512, Func<float[][], nint, nint, nint> v256,
        Func<float[][], nint, nint, nint> scalar)
    {
        nint i = start;
        if (Vector512.IsHardwareAccelerated) i = v512(arrays, i, end);
        else if (Vector256.IsHardwareAccelerated) i = v256(arrays, i, end);
        scalar(arrays, i, end);
    }

    public static void ReadFourWriteThree(float[] p, float[] g, float[] m, float[] v, int start, int end) =>
        Run(new[] { p, g, m, v }, start, end, FourThree<Simd512>, FourThree<Simd256>, FourThree<SimdScalar>);

    public static void ReadSixWriteFive(float[] p, float[] g, float[] a, float[] b, float[] c, float[] d, int start, int end) =>
        Run(new[] { p, g, a, b, c, d }, start, end, SixFive<Simd512>, SixFive<Simd256>, SixFive<SimdScalar>);

    public static void ReadThreeWriteTwo(float[] p, float[] g, float[] b, int start, int end) =>
        Run(new[] { p, g, b }, start, end, ThreeTwo<Simd512>, ThreeTwo<Simd256>, ThreeTwo<SimdScalar>);

    /// <summary>Reads every array of <paramref name="reads"/> (2 or 3) and writes their sum to every array of
    /// <paramref name="writes"/> (1 or 2).</summary>
    public static void Pattern(float[][] reads, float[][] writes, int start, int end)
    {
        var all = reads.Concat(writes).ToArray();
        Func<float[][], nint, nint, nint> v512, v256, scalar;
        switch (reads.Length * 10 + writes.Length)
        {
            case 21: v512 = R2W1<Simd512>; v256 = R2W1<Simd256>; scalar = R2W1<SimdScalar>; break;
            case 22: v512 = R2W2<Simd512>; v256 = R2W2<Simd256>; scalar = R2W2<SimdScalar>; break;
            case 32: v512 = R3W2<Simd512>; v256 = R3W2<Simd256>; scalar = R3W2<SimdScalar>; break;
            default: throw new ArgumentException("unsupported pattern");
        }
        Run(all, start, end, v512, v256, scalar);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static nint R2W1<V>(float[][] a, nint i, nint end) where V : struct, ISimd<V>
    {
        ref float r0 = ref MemoryMarshal.GetArrayDataReference(a[0]);
        ref float r1 = ref MemoryMarshal.GetArrayDataReference(a[1]);
        ref float w0 = ref MemoryMarshal.GetArrayDataReference(a[2]);
        for (; i <= end - V.Count; i += V.Count) V.Store(V.Load(ref r0, i) + V.Load(ref r1, i), ref w0, i);
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static nint R2W2<V>(float[][] a, nint i, nint end) where V : struct, ISimd<V>
    {
        ref float r0 = ref MemoryMarshal.GetArrayDataReference(a[0]);
        ref float r1 = ref MemoryMarshal.GetArrayDataReference(a[1]);
        ref float w0 = ref MemoryMarshal.GetArrayDataReference(a[2]);
        ref float w1 = ref MemoryMarshal.GetArrayDataReference(a[3]);
        for (; i <= end - V.Count; i += V.Count)
        {
            V x = V.Load(ref r0, i), y = V.Load(ref r1, i);
            V.Store(x + y, ref w0, i);
            V.Store(x * y, ref w1, i);
        }
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static nint R3W2<V>(float[][] a, nint i, nint end) where V : struct, ISimd<V>
    {
        ref float r0 = ref MemoryMarshal.GetArrayDataReference(a[0]);
        ref float r1 = ref MemoryMarshal.GetArrayDataReference(a[1]);
        ref float r2 = ref MemoryMarshal.GetArrayDataReference(a[2]);
        ref float w0 = ref MemoryMarshal.GetArrayDataReference(a[3]);
        ref float w1 = ref MemoryMarshal.GetArrayDataReference(a[4]);
        for (; i <= end - V.Count; i += V.Count)
        {
            V x = V.Load(ref r0, i), y = V.Load(ref r1, i), z = V.Load(ref r2, i);
            V.Store(x + y * z, ref w0, i);
            V.Store(y + z, ref w1, i);
        }
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static nint FourThree<V>(float[][] a, nint i, nint end) where V : struct, ISimd<V>
    {
        ref float p = ref MemoryMarshal.GetArrayDataReference(a[0]);
        ref float g = ref MemoryMarshal.GetArrayDataReference(a[1]);
        ref float m = ref MemoryMarshal.GetArrayDataReference(a[2]);
        ref float v = ref MemoryMarshal.GetArrayDataReference(a[3]);
        for (; i <= end - V.Count; i += V.Count)
        {
            V gi = V.Load(ref g, i), mi = V.Load(ref m, i), vi = V.Load(ref v, i);
            V.Store(V.Load(ref p, i) + mi * vi, ref p, i);
            V.Store(mi + gi, ref m, i);
            V.Store(vi + gi, ref v, i);
        }
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static nint SixFive<V>(float[][] a, nint i, nint end) where V : struct, ISimd<V>
    {
        ref float p = ref MemoryMarshal.GetArrayDataReference(a[0]);
        ref float g = ref MemoryMarshal.GetArrayDataReference(a[1]);
        ref float x = ref MemoryMarshal.GetArrayDataReference(a[2]);
        ref float y = ref MemoryMarshal.GetArrayDataReference(a[3]);
        ref float z = ref MemoryMarshal.GetArrayDataReference(a[4]);
        ref float w = ref MemoryMarshal.GetArrayDataReference(a[5]);
        for (; i <= end - V.Count; i += V.Count)
        {
            V gi = V.Load(ref g, i), xi = V.Load(ref x, i), yi = V.Load(ref y, i), zi = V.Load(ref z, i), wi = V.Load(ref w, i);
            V.Store(V.Load(ref p, i) + xi * zi, ref p, i);
            V.Store(xi + gi, ref x, i);
            V.Store(yi + gi, ref y, i);
            V.Store(zi + gi, ref z, i);
            V.Store(wi + gi, ref w, i);
        }
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static nint ThreeTwo<V>(float[][] a, nint i, nint end) where V : struct, ISimd<V>
    {
        ref float p = ref MemoryMarshal.GetArrayDataReference(a[0]);
        ref float g = ref MemoryMarshal.GetArrayDataReference(a[1]);
        ref float b = ref MemoryMarshal.GetArrayDataReference(a[2]);
        for (; i <= end - V.Count; i += V.Count)
        {
            V bi = V.Load(ref b, i) + V.Load(ref g, i);
            V.Store(bi, ref b, i);
            V.Store(V.Load(ref p, i) + bi, ref p, i);
        }
        return i;
    }
}
