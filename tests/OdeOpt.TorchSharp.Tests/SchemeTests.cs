using TorchSharp;
using System;
using System.Linq;
using OdeOpt.Optimizers;
using Xunit;
using static TorchSharp.torch;
using static OdeOpt.TorchSharp.Tests.Support;

namespace OdeOpt.TorchSharp.Tests;

/// <summary>Multi-gradient schemes through step(closure) and look-ahead schemes, against references written out from
/// their formulas in double precision on a linear least-squares model (analytic gradient).</summary>
public sealed class SchemeTests
{
    private const int N = 16, In = 4, Out = 2;

    private static (nn.Module<Tensor, Tensor> Model, Tensor X, Tensor Y, double[,] Xd, double[,] Yd) Problem()
    {
        torch.manual_seed(17);
        var model = nn.Linear(In, Out);
        var (x, y) = Batch(31, N, In, Out);
        var xv = Values(x);
        var yv = Values(y);
        var xd = new double[N, In];
        var yd = new double[N, Out];
        for (int i = 0; i < N; i++)
        {
            for (int j = 0; j < In; j++) xd[i, j] = xv[i * In + j];
            for (int k = 0; k < Out; k++) yd[i, k] = yv[i * Out + k];
        }
        return (model, x, y, xd, yd);
    }

    /// <summary>theta = [W (Out x In, row-major), b (Out)], the flat order of nn.Linear's parameters.</summary>
    private static double[] Theta(nn.Module model) => model.parameters().SelectMany(p => Values(p)).Select(v => (double)v).ToArray();

    /// <summary>The gradient of mse_loss = (1 / (N Out)) sum (W x_i + b - y_i)^2.</summary>
    private static double[] Gradient(double[] theta, double[,] x, double[,] y)
    {
        var g = new double[theta.Length];
        double scale = 2.0 / (N * Out);
        for (int i = 0; i < N; i++)
            for (int k = 0; k < Out; k++)
            {
                double r = theta[Out * In + k] - y[i, k];
                for (int j = 0; j < In; j++) r += theta[k * In + j] * x[i, j];
                for (int j = 0; j < In; j++) g[k * In + j] += scale * r * x[i, j];
                g[Out * In + k] += scale * r;
            }
        return g;
    }

    private static double[] Axpy(double[] a, double s, double[] b) => a.Select((v, i) => v + s * b[i]).ToArray();

    private static void AssertNear(double[] reference, float[] actual, double tolerance, string what)
    {
        double err = RelativeError(actual, reference.Select(v => (float)v).ToArray());
        Assert.True(err <= tolerance, $"{what}: {err:E3} from the reference");
    }

    /// <summary>mse_loss in double at theta.</summary>
    private static double LossAt(double[] theta, double[,] x, double[,] y)
    {
        double sum = 0;
        for (int i = 0; i < N; i++)
            for (int k = 0; k < Out; k++)
            {
                double r = theta[Out * In + k] - y[i, k];
                for (int j = 0; j < In; j++) r += theta[k * In + j] * x[i, j];
                sum += r * r;
            }
        return sum / (N * Out);
    }

    [Fact]
    public void Armijo_line_search_reads_the_closures_loss_and_takes_the_textbook_steps()
    {
        var (model, x, y, xd, yd) = Problem();
        var theta = Theta(model);
        using var opt = OdeOptimizer.Create<ArmijoGradientDescent>(model.parameters(), a => a.LearningRate = 4f);
        Assert.Equal(StepControl.Armijo, opt.Info.StepControl);
        Tensor Closure()
        {
            opt.zero_grad();
            var loss = Loss(model, x, y);
            loss.backward();
            return loss;
        }
        // Nocedal & Wright, Algorithm 3.1 (c = 1e-4, halving), the next step from twice the accepted h.
        double alpha = 4;
        int closureCalls = 0, referenceCalls = 0;
        for (int s = 0; s < 15; s++)
        {
            opt.step(Closure).Dispose();
            closureCalls += opt.LastEvaluationCount;
            var g = Gradient(theta, xd, yd);
            double f = LossAt(theta, xd, yd), gg = g.Sum(v => v * v);
            referenceCalls += s == 0 ? 1 : 0;
            while (true)
            {
                referenceCalls++;
                if (LossAt(Axpy(theta, -alpha, g), xd, yd) <= f - 1e-4 * alpha * gg) break;
                alpha /= 2;
            }
            theta = Axpy(theta, -alpha, g);
            alpha *= 2;
        }
        AssertNear(theta, Values(model.parameters().First()).Concat(Values(model.parameters().Last())).ToArray(), 1e-4, "Armijo through step(closure)");
        Assert.Equal(referenceCalls, closureCalls);

        // A closure that returns no loss cannot drive a line search.
        var e = Assert.Throws<InvalidOperationException>(() => opt.step(() => { opt.zero_grad(); Loss(model, x, y).backward(); return null!; }));
        Assert.Contains("must return the loss", e.Message);
    }

    [Fact]
    public void Rk4_trains_through_step_closure_with_four_closure_calls_per_step_and_follows_classical_rk4()
    {
        var (model, x, y, xd, yd) = Problem();
        const double h = 0.1;
        var theta = Theta(model);
        using var opt = OdeOptimizer.Create<GradientFlowRk4>(model.parameters(), a => a.LearningRate = (float)h);
        Assert.Equal(4, opt.Info.GradientEvaluationsPerStep);
        int calls = 0;
        Tensor Closure()
        {
            calls++;
            opt.zero_grad();
            var loss = Loss(model, x, y);
            loss.backward();
            return loss;
        }
        double firstLoss = double.NaN, lastLoss = double.NaN;
        for (int s = 0; s < 10; s++)
        {
            int before = calls;
            var loss = opt.step(Closure);
            Assert.Equal(4, calls - before);
            Assert.Equal(4, opt.LastEvaluationCount);
            if (s == 0) firstLoss = loss.item<float>();
            lastLoss = loss.item<float>();
            // Classical RK4 on theta' = -grad L(theta), in double.
            var k1 = Gradient(theta, xd, yd);
            var k2 = Gradient(Axpy(theta, -h / 2, k1), xd, yd);
            var k3 = Gradient(Axpy(theta, -h / 2, k2), xd, yd);
            var k4 = Gradient(Axpy(theta, -h, k3), xd, yd);
            theta = theta.Select((v, i) => v - h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i])).ToArray();
        }
        AssertNear(theta, Values(opt.FlatParameters), 1e-5, "RK4 after 10 steps");
        Assert.True(lastLoss < 0.9 * firstLoss, $"loss {firstLoss} -> {lastLoss}");
        Assert.Throws<InvalidOperationException>(() => opt.step());
        Assert.Equal(10, opt.StepCount);
    }

    [Fact]
    public void A_closure_that_fails_at_a_later_call_leaves_the_model_and_the_optimizer_as_they_were()
    {
        var (model, x, y, _, _) = Problem();
        using var opt = OdeOptimizer.Create<GradientFlowRk4>(model.parameters(), a => a.LearningRate = 0.1f);
        Tensor Closure() { opt.zero_grad(); var l = Loss(model, x, y); l.backward(); return l; }
        for (int s = 0; s < 2; s++) opt.step(Closure);
        var before = Values(opt.FlatParameters);
        var state = new System.IO.MemoryStream();
        opt.save_state_dict(state);
        int calls = 0;
        var e = Assert.Throws<InvalidOperationException>(() => opt.step(() => { if (++calls == 3) throw new InvalidOperationException("data loader failed"); return Closure(); }));
        Assert.Equal("data loader failed", e.Message);
        Assert.Equal(before, Values(opt.FlatParameters));
        Assert.Equal(before, model.parameters().SelectMany(p => Values(p)).ToArray());
        Assert.Equal(2, opt.StepCount);
        var after = new System.IO.MemoryStream();
        opt.save_state_dict(after);
        Assert.Equal(state.ToArray(), after.ToArray());
    }

    [Fact]
    public void A_first_same_as_last_scheme_calls_the_closure_once_per_step_from_the_first_on_and_equals_plain_steps()
    {
        var (model, x, y, _, _) = Problem();
        torch.manual_seed(17);
        var twin = nn.Linear(In, Out);
        using var opt = OdeOptimizer.Create<ImexTrapezoidalAdam>(model.parameters(), a => a.LearningRate = 0.01f);
        using var plain = OdeOptimizer.Create<ImexTrapezoidalAdam>(twin.parameters(), a => a.LearningRate = 0.01f);
        Assert.Equal(1, opt.Info.GradientEvaluationsPerStep);
        Assert.True(opt.Info.FirstSameAsLast);
        var counts = new int[6];
        for (int s = 0; s < counts.Length; s++)
        {
            opt.step(() => { opt.zero_grad(); var l = Loss(model, x, y); l.backward(); return l; });
            counts[s] = opt.LastEvaluationCount;
            Assert.Equal(s + 1, opt.StepCount);
            TrainStep(plain, twin, x, y);
        }
        // The first step's one gradient (at theta_0) is its start pass; each later gradient, taken at theta_n, finishes
        // step n (first same as last) and begins step n + 1: one closure call per step, the first included.
        Assert.Equal(new[] { 1, 1, 1, 1, 1, 1 }, counts);
        Assert.Equal(Values(plain.FlatParameters), Values(opt.FlatParameters));
    }

    [Fact]
    public void A_look_ahead_scheme_holds_the_look_ahead_point_and_UseIterate_recovers_theta()
    {
        var (model, x, y, xd, yd) = Problem();
        const double eta = 0.05, g = 0.8, sigma = 2.5;
        var theta = Theta(model);
        var m = new double[theta.Length];
        using var opt = OdeOptimizer.Create<SuperAcceleratedMomentum>(model.parameters(), a => { a.LearningRate = (float)eta; a.Momentum = (float)g; a.Sigma = (float)sigma; });
        for (int s = 0; s < 10; s++)
        {
            TrainStep(opt, model, x, y);
            // Nakerst et al.: m_i = g m_{i-1} - eta grad L(theta_i + sigma m_{i-1}), theta_{i+1} = theta_i + m_i.
            var grad = Gradient(Axpy(theta, sigma, m), xd, yd);
            m = m.Select((v, i) => g * v - eta * grad[i]).ToArray();
            theta = Axpy(theta, 1, m);
        }
        var lookAhead = Axpy(theta, sigma, m);
        AssertNear(lookAhead, Values(opt.FlatParameters), 1e-5, "the model between steps (theta + sigma m)");
        using (opt.UseIterate())
        {
            AssertNear(theta, model.parameters().SelectMany(p => Values(p)).ToArray(), 1e-5, "the model inside UseIterate (theta)");
            Assert.Throws<InvalidOperationException>(() => opt.step());
        }
        AssertNear(lookAhead, Values(opt.FlatParameters), 1e-5, "the model after UseIterate");
        var iterate = new float[theta.Length];
        opt.CopyIterateTo(iterate);
        AssertNear(theta, iterate, 1e-5, "CopyIterateTo");
    }
}
