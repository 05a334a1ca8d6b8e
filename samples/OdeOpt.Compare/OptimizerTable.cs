using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace OdeOpt.Compare;

/// <summary>One optimizer run of a comparison: a label for tables and legends, a registry name, and hyperparameters
/// applied by property name (as listed in <see cref="OptimizerInfo.Hyperparameters"/>).</summary>
public sealed record OptimizerSetup(string Label, string Name, IReadOnlyList<KeyValuePair<string, double>> Hyperparameters)
{
    /// <summary>The hyperparameters as <c>Name=value, ...</c>.</summary>
    public string Settings => string.Join(", ", Hyperparameters.Select(h => $"{h.Key} = {h.Value.ToString("G4", CultureInfo.InvariantCulture)}"));

    /// <summary>The value of a hyperparameter of this setup, or NaN.</summary>
    public double Get(string name) => Hyperparameters.FirstOrDefault(h => h.Key == name, new(name, double.NaN)).Value;
}

/// <summary>
/// THE table: every optimizer the comparison runs, chosen by registry name, with the hyperparameters of each paper's
/// configuration. Problems ask for a configuration by its key and never name an optimizer themselves.
/// </summary>
/// <remarks>To switch to built-in optimizers of the same update rules, change the names (and, if the built-ins call
/// them differently, the property names) in the first block; nothing else in the app names an optimizer. A test
/// checks every entry against the registry (name exists, every hyperparameter exists and is in range).</remarks>
public static class OptimizerTable
{
    // ---- registry names and hyperparameter property names: the only place they appear --------------------------
    /// <summary>Gradient descent theta -= lr g.</summary>
    public const string GradientDescent = "sgd";
    /// <summary>Its step size property.</summary>
    public const string GradientDescentRate = "LearningRate";

    /// <summary>Momentum with look-ahead sigma: heavy ball (0), Nesterov (g), super-acceleration (above 1).</summary>
    public const string SuperMomentum = "super-accelerated-momentum";
    /// <summary>Property names of <see cref="SuperMomentum"/>: eta, g, sigma.</summary>
    public const string MomentumRate = "LearningRate", MomentumCoefficient = "Momentum", MomentumSigma = "Sigma";

    /// <summary>RMSProp with momentum and look-ahead sigma (Nakerst et al. eq. (16)).</summary>
    public const string RmsPropSuper = "super-accelerated-rmsprop";
    /// <summary>Property names of <see cref="RmsPropSuper"/>.</summary>
    public const string RmsRate = "LearningRate", RmsMomentum = "Momentum", RmsBeta2 = "Beta2", RmsEpsilon = "Epsilon", RmsSigma = "Sigma";

    /// <summary>Adam (torch.optim.Adam, bias corrected) = IMEX Euler on the Adam ODE.</summary>
    public const string Adam = "adam";
    /// <summary>IMEX-trapezoidal Adam (second order, one gradient per step).</summary>
    public const string ImexTrapezoidalAdam = "imex-trapezoidal-adam";
    /// <summary>IMEX-midpoint Adam (second order, two gradients per step).</summary>
    public const string ImexMidpointAdam = "imex-midpoint-adam";
    /// <summary>Property names shared by the Adam family.</summary>
    public const string AdamRate = "LearningRate", AdamBeta1 = "Beta1", AdamBeta2 = "Beta2";

    // ---- configuration keys --------------------------------------------------------------------------------------
    /// <summary>Configuration keys, one per comparison.</summary>
    public const string SigmaStar = "sigma-star", Nakerst2D = "nakerst-2d", Nakerst2DRms = "nakerst-2d-rmsprop",
        Nakerst2DRmsText = "nakerst-2d-rmsprop-eta0.1", RmsPropSigmaStar = "rmsprop-sigma-star",
        LinearRegression = "linear-regression", BelottoQuartic = "belotto-quartic", Rosenbrock = "rosenbrock",
        MlpFullBatch = "mlp-full-batch", MlpMiniBatch = "mlp-mini-batch", ImexAdamRegression = "imex-adam-regression",
        ImexAdamRosenbrock = "imex-adam-rosenbrock", ImexAdamMlp = "imex-adam-mlp";

    /// <summary>The configuration called <paramref name="key"/>.</summary>
    public static IReadOnlyList<OptimizerSetup> For(string key) => s_table.TryGetValue(key, out var setups)
        ? setups
        : throw new ArgumentException($"No optimizer configuration '{key}'. Known: {string.Join(", ", s_table.Keys)}.", nameof(key));

    /// <summary>Every configuration.</summary>
    public static IReadOnlyDictionary<string, OptimizerSetup[]> All => s_table;

    /// <summary>Heavy ball / Nesterov / super-acceleration with the given sigma.</summary>
    public static OptimizerSetup Momentum(string label, double eta, double g, double sigma) =>
        new(label, SuperMomentum, [new(MomentumRate, eta), new(MomentumCoefficient, g), new(MomentumSigma, sigma)]);

    /// <summary>The sigma of a momentum setup (NaN for others).</summary>
    public static double SigmaOf(OptimizerSetup setup) => setup.Name == SuperMomentum ? setup.Get(MomentumSigma)
        : setup.Name == RmsPropSuper ? setup.Get(RmsSigma) : double.NaN;

    private static OptimizerSetup Gd(double lr) => new($"GD (eta = {F(lr)})", GradientDescent, [new(GradientDescentRate, lr)]);

    private static OptimizerSetup Rms(string label, double eta, double g, double sigma) =>
        new(label, RmsPropSuper, [new(RmsRate, eta), new(RmsMomentum, g), new(RmsBeta2, 0.999), new(RmsEpsilon, 1e-7), new(RmsSigma, sigma)]);

    private static OptimizerSetup[] RmsFamily(double eta, double g, params double[] sigmas) =>
        sigmas.Select(s => Rms($"RMSProp eta = {F(eta)}, " + (s == 0 ? "sigma = 0" : s == g ? $"Nesterov (sigma = {F(g)})" : $"super (sigma = {F(s)})"), eta, g, s)).ToArray();

    private static OptimizerSetup AdamLike(string label, string name, double lr, double beta1 = 0.9, double beta2 = 0.999) =>
        new(label, name, [new(AdamRate, lr), new(AdamBeta1, beta1), new(AdamBeta2, beta2)]);

    private static OptimizerSetup[] MomentumFamily(double eta, double g, params double[] sigmas) =>
        sigmas.Select(s => Momentum(s == 0 ? "heavy ball (sigma = 0)" : s == g ? $"Nesterov (sigma = {F(g)})" : $"super (sigma = {F(s)})", eta, g, s)).ToArray();

    private static OptimizerSetup[] AdamFamily(double lr, bool labelRate = false)
    {
        string suffix = labelRate ? $" (lr = {F(lr)})" : "";
        return
        [
            AdamLike("Adam" + suffix, Adam, lr),
            AdamLike("IMEX-trapezoidal Adam" + suffix, ImexTrapezoidalAdam, lr),
            AdamLike("IMEX-midpoint Adam" + suffix, ImexMidpointAdam, lr),
        ];
    }

    private static string F(double x) => x.ToString("G4", CultureInfo.InvariantCulture);

    private static readonly Dictionary<string, OptimizerSetup[]> s_table = new()
    {
        // Nakerst et al. Fig. 1b: the momentum rule on L = k theta^2 / 2 with g = 0.9; sigma is scanned, eta = 1, k varies.
        [SigmaStar] = [Momentum("super-momentum (sigma scanned)", 1.0, 0.9, 0)],
        // Fig. 3: eq. (15) from (-1, -3.8), eta = 0.01, g = 0.9.
        [Nakerst2D] = [Gd(0.01), .. MomentumFamily(0.01, 0.9, 0, 0.9, 2, 3, 4, 6, 7)],
        // Fig. 8: RMSProp with momentum (eq. (16)), g = 0.9, beta2 = 0.999, eps = 1e-7, from (-1, -3.8); eta = 0.01 as the
        // caption says, and eta = 0.1 as Section 5.2 says. sigma up to 20 so that "when sigma is too large" can show.
        [Nakerst2DRms] = RmsFamily(0.01, 0.9, 0, 0.9, 2, 3, 4, 6, 10, 20),
        [Nakerst2DRmsText] = RmsFamily(0.1, 0.9, 0, 0.9, 2, 3, 4, 6, 10, 20),
        // Fig. 7: eq. (17), RMSProp with momentum on k theta^2 / 2, g = 0.9 (Section 2's default); eta and sigma are scanned.
        [RmsPropSigmaStar] = [Rms("RMSProp + momentum (eta, sigma scanned)", 0.01, 0.9, 0)],
        // Fig. 4: 51-parameter linear regression, eta = 0.005, g = 0.9.
        [LinearRegression] = [Gd(0.005), .. MomentumFamily(0.005, 0.9, 0, 0.9, 2, 4, 8)],
        // Belotto da Silva & Gazeau Fig. 2: GD versus Adam on (x+y)^4 + (x/2-y/2)^4 (step sizes reconstructed).
        [BelottoQuartic] = [Gd(0.01), AdamLike("Adam (beta1 = 0.9, beta2 = 0.999)", Adam, 0.01),
            AdamLike("Adam (beta1 = 0.99, beta2 = 0.9: 3 + beta2 < 4 beta1)", Adam, 0.01, 0.99, 0.9)],
        // Rosenbrock: GD, heavy ball, Nesterov, super-acceleration and the Adam family.
        [Rosenbrock] = [Gd(1e-3), .. MomentumFamily(2e-4, 0.9, 0, 0.9, 2, 4), AdamLike("Adam", Adam, 0.02)],
        // Figs. 5-6: MLP 784-30-10, eta = 0.5, g = 0.9, sigma in {0, 0.9, 2, 4, 20}.
        [MlpFullBatch] = MomentumFamily(0.5, 0.9, 0, 0.9, 2, 4, 20),
        [MlpMiniBatch] = MomentumFamily(0.5, 0.9, 0, 0.9, 2, 4, 20),
        // Bhattacharjee et al.: Adam versus its IMEX-trapezoidal and IMEX-midpoint forms, equal gradient evaluations.
        [ImexAdamRegression] = [.. AdamFamily(0.001, true), .. AdamFamily(0.01, true), .. AdamFamily(0.1, true)],
        [ImexAdamRosenbrock] = AdamFamily(0.02),
        [ImexAdamMlp] = AdamFamily(0.01),
    };
}
