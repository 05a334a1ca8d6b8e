using System;

namespace OdeOpt.Runtime;

/// <summary>
/// Gradient clipping (by value, by global norm) and the non-finite policy of one optimizer, shared by the CPU and GPU
/// forms: the settings with their checks, the verdict on a measured gradient, and what it leaves behind (the scale the
/// next pass applies, the last norm, the skipped-step count). The forms differ only in how they measure the sum of
/// squares.
/// </summary>
internal sealed class GradientControls
{
    private double _clipNorm = double.PositiveInfinity;
    private double _clipValue = double.PositiveInfinity;
    private NonFiniteGradientPolicy _policy;

    /// <summary>Clip every component to [-max, max]; +infinity disables it.</summary>
    public double ClipValue
    {
        get => _clipValue;
        set
        {
            if (double.IsNaN(value) || value <= 0) throw new ArgumentOutOfRangeException(nameof(value), value, "The clip value must be positive (+infinity disables clipping).");
            _clipValue = value;
        }
    }

    /// <summary>Scale the gradient to at most this global norm; +infinity disables it.</summary>
    public double ClipNorm
    {
        get => _clipNorm;
        set
        {
            if (double.IsNaN(value) || value <= 0) throw new ArgumentOutOfRangeException(nameof(value), value, "The maximum gradient norm must be positive (+infinity disables clipping).");
            _clipNorm = value;
        }
    }

    /// <summary>What a gradient with NaN or an infinity does.</summary>
    public NonFiniteGradientPolicy Policy
    {
        get => _policy;
        set
        {
            if (!Enum.IsDefined(value)) throw new ArgumentOutOfRangeException(nameof(value));
            _policy = value;
        }
    }

    /// <summary>Steps skipped under <see cref="NonFiniteGradientPolicy.SkipStep"/>.</summary>
    public long SkippedSteps { get; set; }

    /// <summary>The norm of the last gradient measured, NaN when none was.</summary>
    public double LastNorm { get; private set; } = double.NaN;

    /// <summary>The factor the coming pass applies to the gradient (1 without norm clipping).</summary>
    public float Scale { get; private set; } = 1f;

    /// <summary>The value clipping bound as the kernels take it.</summary>
    public float Limit => (float)_clipValue;

    /// <summary>Whether the gradient's sum of squares must be measured before the pass (norm clipping or a check is on).
    /// When not, the pass runs with scale 1 and no norm.</summary>
    public bool NeedsNorm()
    {
        Scale = 1f;
        if (!double.IsPositiveInfinity(_clipNorm) || _policy != NonFiniteGradientPolicy.Propagate) return true;
        LastNorm = double.NaN;
        return false;
    }

    /// <summary>The verdict on a gradient whose sum of squares is <paramref name="sumOfSquares"/>: false to skip the pass
    /// (SkipStep, counted); throws under Throw; otherwise sets <see cref="Scale"/>.</summary>
    /// <exception cref="NotFiniteNumberException">The gradient is not finite and the policy is Throw.</exception>
    public bool Accept(double sumOfSquares, string optimizer, long step)
    {
        double norm = Math.Sqrt(sumOfSquares);
        LastNorm = norm;
        if (!double.IsFinite(sumOfSquares))
        {
            switch (_policy)
            {
                case NonFiniteGradientPolicy.Throw:
                    throw new NotFiniteNumberException($"The gradient passed to '{optimizer}' at step {step} contains NaN or an infinity; nothing was changed (NonFiniteGradients = Throw).", sumOfSquares);
                case NonFiniteGradientPolicy.SkipStep:
                    SkippedSteps++;
                    return false;
            }
        }
        // torch.nn.utils.clip_grad_norm_: coefficient max_norm / (norm + 1e-6), clamped to 1 (NaN propagates).
        bool clip = !double.IsPositiveInfinity(_clipNorm);
        if (clip) Scale = double.IsNaN(norm) ? float.NaN : (float)Math.Min(1.0, _clipNorm / (norm + 1e-6));
        return true;
    }

    /// <summary>Back to no skipped steps and no measured norm (the settings stay).</summary>
    public void Reset()
    {
        SkippedSteps = 0;
        LastNorm = double.NaN;
        Scale = 1f;
    }
}
