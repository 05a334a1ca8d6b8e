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
    /// <summary>ARS(2,3,3) IMEX Adam (third order, three gradients per step).</summary>
    public const string ImexArs233Adam = "imex-ars233-adam";
    /// <summary>Property names shared by the Adam family.</summary>
    public const string AdamRate = "LearningRate", AdamBeta1 = "Beta1", AdamBeta2 = "Beta2";
    /// <summary>Belotto da Silva &amp; Gazeau's eq. (4): Adam with m_0 = g_0, v_0 = g_0^2 and eps inside the square root.</summary>
    public const string AdamOde = "adam-ode-euler";
    /// <summary>Its eps (inside the square root).</summary>
    public const string AdamOdeEpsilon = "Epsilon";

    /// <summary>Bogacki–Shampine 3(2) and Dormand–Prince 5(4) on the gradient flow with the PI step-size controller.</summary>
    public const string AdaptiveBs3 = "adaptive-bs3-gradient-flow", AdaptiveDp5 = "adaptive-dp5-gradient-flow";
    /// <summary>Gradient descent with backtracking (Armijo) line search.</summary>
    public const string ArmijoGd = "armijo-gradient-descent";
    /// <summary>Property names of the adaptive schemes: the (initial) step size and the error-norm tolerances.</summary>
    public const string AdaptiveRate = "LearningRate", AdaptiveAbsoluteTolerance = "AbsoluteTolerance", AdaptiveRelativeTolerance = "RelativeTolerance";

    // ---- configuration keys --------------------------------------------------------------------------------------
    /// <summary>Configuration keys, one per comparison.</summary>
    public const string SigmaStar = "sigma-star", Nakerst2D = "nakerst-2d", Nakerst2DRms = "nakerst-2d-rmsprop",
        Nakerst2DRmsText = "nakerst-2d-rmsprop-eta0.1", RmsPropSigmaStar = "rmsprop-sigma-star",
        LinearRegression = "linear-regression", BelottoQuartic = "belotto-quartic", BelottoQuarticFig3 = "belotto-quartic-fig3", Rosenbrock = "rosenbrock",
        MlpFullBatch = "mlp-full-batch", MlpMiniBatch = "mlp-mini-batch", ImexAdamTuning = "imex-adam-tuning",
        AdaptiveSteps = "adaptive-steps", AdaptiveStepsGdGrid = "adaptive-steps-gd-grid", AdaptiveStepsAdamGrid = "adaptive-steps-adam-grid";

    /// <summary>The fixed learning rates GD is tuned over on the adaptive-steps problem: 2^(k/2), k = -20..2 (1e-3 to 2).</summary>
    public static readonly double[] AdaptiveGdGrid = Enumerable.Range(-20, 23).Select(k => Math.Pow(2, k / 2.0)).ToArray();
    /// <summary>The learning rates Adam is tuned over on the adaptive-steps problem.</summary>
    public static readonly double[] AdaptiveAdamGrid = [1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1];

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

    // ---- Belotto da Silva & Gazeau (the poster gives no step size, betas, eps or step count: these are the project's) ----
    /// <summary>Fig. 2: the step sizes s of the default grid (GD is stable at the start for s &lt; 2/96).</summary>
    public static readonly double[] BelottoRates = [0.001, 0.003, 0.01];
    /// <summary>Fig. 2 with --full: the default grid plus a smaller and a larger s.</summary>
    public static readonly double[] BelottoRatesFull = [0.0003, 0.001, 0.003, 0.01, 0.02];
    /// <summary>Fig. 3: the step sizes s (powers of 2 apart, so that t = k s falls on the finest run's steps); the first is the reference.</summary>
    public static readonly double[] BelottoFig3Rates = [0.00125, 0.0025, 0.005, 0.01];
    /// <summary>Fig. 3 with --full: a finer reference first.</summary>
    public static readonly double[] BelottoFig3RatesFull = [0.000625, 0.00125, 0.0025, 0.005, 0.01];
    /// <summary>The standard betas (Fig. 2 and 3) and the small ones of the "because beta1, beta2 are large" check
    /// (3 + 0.5 &gt; 4 * 0.5 holds); eps inside the square root.</summary>
    public const double BelottoBeta1 = 0.9, BelottoBeta2 = 0.999, BelottoSmallBeta1 = 0.5, BelottoSmallBeta2 = 0.5, BelottoEpsilon = 1e-8;

    /// <summary>Eq. (4) with step s and the given betas.</summary>
    public static OptimizerSetup AdamEq4(double s, double beta1, double beta2) =>
        new($"Adam eq. (4) (s = {F(s)}, beta1 = {F(beta1)}, beta2 = {F(beta2)})", AdamOde,
            [new(AdamRate, s), new(AdamBeta1, beta1), new(AdamBeta2, beta2), new(AdamOdeEpsilon, BelottoEpsilon)]);

    private static OptimizerSetup Gd(double lr) => new($"GD (eta = {F(lr)})", GradientDescent, [new(GradientDescentRate, lr)]);

    private static OptimizerSetup Rms(string label, double eta, double g, double sigma) =>
        new(label, RmsPropSuper, [new(RmsRate, eta), new(RmsMomentum, g), new(RmsBeta2, 0.999), new(RmsEpsilon, 1e-7), new(RmsSigma, sigma)]);

    private static OptimizerSetup[] RmsFamily(double eta, double g, params double[] sigmas) =>
        sigmas.Select(s => Rms($"RMSProp eta = {F(eta)}, " + (s == 0 ? "sigma = 0" : s == g ? $"Nesterov (sigma = {F(g)})" : $"super (sigma = {F(s)})"), eta, g, s)).ToArray();

    private static OptimizerSetup AdamLike(string label, string name, double lr, double beta1 = 0.9, double beta2 = 0.999) =>
        new(label, name, [new(AdamRate, lr), new(AdamBeta1, beta1), new(AdamBeta2, beta2)]);

    private static OptimizerSetup[] MomentumFamily(double eta, double g, params double[] sigmas) =>
        sigmas.Select(s => Momentum(s == 0 ? "heavy ball (sigma = 0)" : s == g ? $"Nesterov (sigma = {F(g)})" : $"super (sigma = {F(s)})", eta, g, s)).ToArray();

    /// <summary>Adam and its three higher-order IMEX forms at every learning rate of <paramref name="grid"/>.</summary>
    private static OptimizerSetup[] AdamFamily(IEnumerable<double> grid) =>
        grid.SelectMany(lr => new[]
        {
            AdamLike($"Adam (lr = {F(lr)})", Adam, lr),
            AdamLike($"IMEX-trapezoidal Adam (lr = {F(lr)})", ImexTrapezoidalAdam, lr),
            AdamLike($"IMEX-midpoint Adam (lr = {F(lr)})", ImexMidpointAdam, lr),
            AdamLike($"IMEX ARS(2,3,3) Adam (lr = {F(lr)})", ImexArs233Adam, lr),
        }).ToArray();

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
        // Belotto da Silva & Gazeau Fig. 2: GD versus eq. (4) at the standard and at small betas, at every s of the full grid
        // (the problem runs the default grid's s unless --full). Fig. 3: GD and eq. (4) at fixed betas, s changed.
        [BelottoQuartic] = BelottoRatesFull.SelectMany(s => new[] { Gd(s), AdamEq4(s, BelottoBeta1, BelottoBeta2), AdamEq4(s, BelottoSmallBeta1, BelottoSmallBeta2) }).ToArray(),
        [BelottoQuarticFig3] = BelottoFig3RatesFull.SelectMany(s => new[] { Gd(s), AdamEq4(s, BelottoBeta1, BelottoBeta2) }).ToArray(),
        // Rosenbrock: GD, heavy ball, Nesterov, super-acceleration and the Adam family.
        [Rosenbrock] = [Gd(1e-3), .. MomentumFamily(2e-4, 0.9, 0, 0.9, 2, 4), AdamLike("Adam", Adam, 0.02)],
        // Figs. 5-6: MLP 784-30-10, eta = 0.5, g = 0.9, sigma in {0, 0.9, 2, 4, 20}.
        [MlpFullBatch] = MomentumFamily(0.5, 0.9, 0, 0.9, 2, 4, 20),
        [MlpMiniBatch] = MomentumFamily(0.5, 0.9, 0, 0.9, 2, 4, 20),
        // Bhattacharjee et al.: Adam versus its higher-order IMEX forms, each tuned on one learning-rate grid, equal gradient evaluations.
        [ImexAdamTuning] = AdamFamily(Problems.ImexAdamProblem.Grid),
        // Issue 17: the learning rate as the time step. Adaptive RK from a small first h at the default tolerances (and at a
        // loose one), Armijo from h = 1; against GD and Adam, each at its best rate of a grid (the problem tunes them).
        [AdaptiveSteps] =
        [
            new("BS3 + PI (atol 1e-6, rtol 1e-3)", AdaptiveBs3, [new(AdaptiveRate, 0.01)]),
            new("BS3 + PI (atol = rtol = 1e-2)", AdaptiveBs3, [new(AdaptiveRate, 0.01), new(AdaptiveAbsoluteTolerance, 1e-2), new(AdaptiveRelativeTolerance, 1e-2)]),
            new("DP5 + PI (atol 1e-6, rtol 1e-3)", AdaptiveDp5, [new(AdaptiveRate, 0.01)]),
            new("Armijo GD (h0 = 1)", ArmijoGd, [new(AdaptiveRate, 1.0)]),
        ],
        [AdaptiveStepsGdGrid] = AdaptiveGdGrid.Select(Gd).ToArray(),
        [AdaptiveStepsAdamGrid] = AdaptiveAdamGrid.Select(lr => AdamLike($"Adam (lr = {F(lr)})", Adam, lr)).ToArray(),
    };
}
