using System;
using CustomOptimizer;
using OdeOpt;
using OdeOpt.Optimizers;

// A user-declared optimizer (Ars222Adam.cs) against the built-in Adam on a small least-squares regression,
// at equal numbers of gradient evaluations.

const int features = 20, samples = 200, evaluations = 400;
var rng = new Random(7);
var x = new float[samples, features];
var y = new float[samples];
var truth = new float[features];
for (int j = 0; j < features; j++) truth[j] = (float)(rng.NextDouble() * 2 - 1);
for (int i = 0; i < samples; i++)
{
    float dot = 0;
    for (int j = 0; j < features; j++) { x[i, j] = (float)(rng.NextDouble() * 2 - 1); dot += x[i, j] * truth[j]; }
    y[i] = dot + 0.05f * (float)(rng.NextDouble() * 2 - 1);
}

// Mean squared error L(w) = 1/(2N) sum_i (x_i . w - y_i)^2 and its gradient.
double Loss(ReadOnlySpan<float> w)
{
    double sum = 0;
    for (int i = 0; i < samples; i++)
    {
        double r = -y[i];
        for (int j = 0; j < features; j++) r += x[i, j] * w[j];
        sum += r * r;
    }
    return sum / (2 * samples);
}

int gradientCalls = 0;
void Gradient(ReadOnlySpan<float> w, Span<float> g)
{
    gradientCalls++;
    g.Clear();
    for (int i = 0; i < samples; i++)
    {
        float r = -y[i];
        for (int j = 0; j < features; j++) r += x[i, j] * w[j];
        for (int j = 0; j < features; j++) g[j] += r * x[i, j] / samples;
    }
}

void Train(IOptimizer optimizer)
{
    Console.WriteLine();
    Console.WriteLine(optimizer.Info.ToString());
    Console.WriteLine($"  explicit {optimizer.Info.ExplicitTableau}; implicit {optimizer.Info.ImplicitTableau}");
    var w = new float[features];
    gradientCalls = 0;
    Console.WriteLine($"  {"step",5} {"gradients",9} {"loss",12}");
    while (gradientCalls < evaluations)
    {
        optimizer.Step(w, Gradient);
        if (optimizer.StepCount % 10 == 0 || gradientCalls >= evaluations)
            Console.WriteLine($"  {optimizer.StepCount,5} {gradientCalls,9} {Loss(w),12:E4}");
    }
}

Console.WriteLine("OdeOpt custom optimizer sample: least squares, 20 features, 200 samples, 400 gradient evaluations each.");
Train(new Ars222Adam(features) { LearningRate = 0.05f });
Train(new Adam(features) { LearningRate = 0.05f });
Console.WriteLine();
Console.WriteLine($"Registered optimizers: {string.Join(", ", OptimizerRegistry.Names)}");
