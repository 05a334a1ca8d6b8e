// The staged step of the step driver: schemes whose work per step varies. A step copies y_n, then runs stage by stage
// (stage value, gradient, derivatives); an implicit stage that reads the gradient is a nonlinear solve by
// Anderson-accelerated fixed-point iteration, one gradient per iteration; a step-size controller (embedded error or
// Armijo) accepts the attempt or undoes it from the copy and retries with a smaller h. Everything a step changes is put
// back from the copy when it is rejected or fails, so a rejected attempt leaves no trace.
using System;
using System.Runtime.InteropServices;

namespace OdeOpt.Runtime;

internal sealed partial class StepDriver<TUniforms>
{
    private readonly StepStatistics _statistics = new(), _savedStatistics = new();
    private bool _haveFirstDerivative; // the first stage's derivative arrays hold f(y_n) (first same as last, Armijo)
    private double _firstDirectional = double.NaN; // Armijo: g(y_n) . d(y_n), with _haveFirstDerivative
    private double _firstLoss = double.NaN; // Armijo: f(y_n), with _haveFirstDerivative
    private double _errorPrevious = 1e-4; // the PI controller's err of the last accepted step
    private double _acceptedStepSize = double.NaN; // the h of the attempt just accepted
    private AndersonAccelerator? _anderson;
    private float[] _iterate = Array.Empty<float>(), _map = Array.Empty<float>();

    /// <summary>What the scheme did so far; AcceptedSteps is the step count.</summary>
    public StepStatistics Statistics
    {
        get
        {
            _statistics.AcceptedSteps = StepCount;
            if (StepSizeIndex() is int k) _statistics.StepSize = GetHyperparameter(Info.Hyperparameters[k].Name);
            return _statistics;
        }
    }

    /// <summary>What a staged step does when an implicit solve does not converge.</summary>
    public NonConvergencePolicy NonConvergence { get; set; }

    /// <summary>Calls the caller's gradient function and counts it.</summary>
    private void EvaluateCounted()
    {
        _statistics.GradientEvaluations++;
        _backend.Evaluate();
    }

    private int? StepSizeIndex()
    {
        for (int i = 0; i < _hyperCount; i++) if (Info.Hyperparameters[i].IsStepSize) return i;
        return null;
    }

    private enum Outcome { Accepted, Retry, Rejected, Skipped }

    /// <summary>One staged step (see the file's opening comment). Nothing is changed when it throws, when a gradient is
    /// refused (SkipStep) or when the step is rejected under <see cref="NonConvergencePolicy.Reject"/>.</summary>
    private void StagedStep(StagedProgram p)
    {
        PrepareStepBegin(validateOnly: true);
        if (_interrupted is not null) throw new InvalidOperationException(_interrupted);
        bool controlled = p.Control != StepControl.None;
        int stepSize = StepSizeIndex() ?? -1;
        if (controlled) CheckControllable(stepSize);
        if (p.Control == StepControl.Armijo && !_backend.HasLoss)
            throw new InvalidOperationException($"'{Info.Name}' chooses its step size by Armijo line search, which needs the loss: call Step(parameters, LossGradientFunction), whose function returns the loss and writes the gradient. Nothing was changed.");

        var saved = _savedStatistics;
        saved.CopyFrom(_statistics);
        bool savedHave = _haveFirstDerivative;
        double savedDirectional = _firstDirectional, savedLoss = _firstLoss, savedErrorPrevious = _errorPrevious;
        float savedStepSize = stepSize >= 0 ? GetHyperparameter(Info.Hyperparameters[stepSize].Name) : 0f;
        TakeSnapshot(fused: false, memory: false);
        bool copied = false, done = false;
        void BeginAttempt()
        {
            PrepareStepBegin(validateOnly: false);
            CommitStepBegin();
            _initialized = true;
        }
        try
        {
            BeginAttempt();
            Execute(p.BeginPass);
            copied = true;
            int rejections = 0;
            while (true)
            {
                var outcome = p.Control == StepControl.Armijo ? ArmijoAttempt(p, stepSize, ref rejections) : Attempt(p, stepSize, ref rejections);
                if (outcome == Outcome.Accepted) break;
                if (outcome is Outcome.Rejected or Outcome.Skipped) return; // undone in finally
                // Retry with the controller's smaller h: y_n back in the live arrays, the uniforms recomputed from the
                // segments as they were before the step (so that an accepted retry leaves what a direct step would).
                Execute(p.RestorePass);
                RestoreSnapshot(fused: false, memory: false);
                BeginAttempt();
            }
            StepCount++;
            _statistics.AcceptedSteps = StepCount;
            _statistics.LastStepSize = _acceptedStepSize;
            if (double.IsFinite(_acceptedStepSize)) _statistics.Time += _acceptedStepSize;
            done = true;
        }
        finally
        {
            if (!done)
            {
                if (copied) Execute(p.RestorePass);
                _statistics.UndoResults(saved);
                _haveFirstDerivative = savedHave;
                _firstDirectional = savedDirectional;
                _firstLoss = savedLoss;
                _errorPrevious = savedErrorPrevious;
                if (stepSize >= 0) SetHyperparameter(Info.Hyperparameters[stepSize].Name, savedStepSize);
                RestoreSnapshot(fused: false, memory: false);
            }
            if (stepSize >= 0) _statistics.StepSize = GetHyperparameter(Info.Hyperparameters[stepSize].Name);
        }
    }

    /// <summary>A controller adapts one h for all parameters: a schedule or a group override of it is a contradiction.</summary>
    private void CheckControllable(int stepSize)
    {
        if (stepSize < 0) throw new InvalidOperationException($"'{Info.Name}' has a step-size controller but no [StepSize] hyperparameter.");
        string name = Info.Hyperparameters[stepSize].Name;
        if (_schedules[stepSize] is not null)
            throw new InvalidOperationException($"'{Info.Name}' chooses {name} by its step-size controller, so it cannot also follow a schedule; remove the schedule (SetSchedule(\"{name}\", null)) or use a fixed-step optimizer. Nothing was changed.");
        for (int i = 0; i < Groups.Count; i++) // indexed: a step allocates nothing
            if (Groups[i][name] is not null)
            {
                var group = Groups[i];
                throw new InvalidOperationException($"'{Info.Name}' chooses {name} by its step-size controller, one value for all parameters, so parameter group '{group.Name}' cannot override it. Nothing was changed.");
            }
    }

    private float Knob(string name) => GetHyperparameter(name);

    /// <summary>Evaluates and checks the gradient (clipping, non-finite policy); false: refused under SkipStep.</summary>
    private bool EvaluateChecked()
    {
        EvaluateCounted();
        return !Controls.NeedsNorm() || Controls.Accept(_backend.GradientSumOfSquares(), Info.Name, StepCount + 1);
    }

    /// <summary>The stages of one attempt, then the controller's verdict on the embedded error (or none).</summary>
    private Outcome Attempt(StagedProgram p, int stepSize, ref int rejections)
    {
        for (int l = 0; l < p.Stages; l++)
        {
            if (l == 0 && _haveFirstDerivative) continue; // f(y_n) from the previous step or attempt
            if (p.StagePasses[l] >= 0) Execute(p.StagePasses[l]);
            if (p.DerivativePasses[l] < 0) continue;
            if (!p.ImplicitStages[l])
            {
                if (!EvaluateChecked()) return Outcome.Skipped;
                Execute(p.DerivativePasses[l]);
                // The first stage's derivative does not depend on h under a controller (ODEOPT046): kept across retries.
                if (l == 0 && p.Control != StepControl.None) _haveFirstDerivative = true;
                continue;
            }
            var solved = Solve(p, l);
            if (solved == SolveResult.Skipped) return Outcome.Skipped;
            if (solved == SolveResult.Failed)
            {
                switch (NonConvergence)
                {
                    case NonConvergencePolicy.Throw:
                        throw new NonConvergenceException($"Step {StepCount + 1} of '{Info.Name}': the fixed-point solve of stage {l + 1} did not converge in {_statistics.LastSolverIterations} iterations (residual {_statistics.LastSolverResidual:G4}; SolverTolerance {Knob(StagedKnobs.SolverTolerance):G4}). Parameters, state and step count are as before the step; raise SolverMaxIterations or SolverMemory, lower the step size, or set NonConvergence.");
                    case NonConvergencePolicy.Reject:
                        _statistics.RejectedSteps++;
                        return Outcome.Rejected;
                    default:
                        _statistics.UnconvergedSteps++;
                        break;
                }
            }
        }

        if (p.Control is StepControl.None)
        {
            _acceptedStepSize = stepSize >= 0 ? GetHyperparameter(Info.Hyperparameters[stepSize].Name) : double.NaN;
            Execute(p.FinalPass);
            _haveFirstDerivative = false;
            return Outcome.Accepted;
        }

        // The embedded error: err = sqrt(mean((y1 - yhat1)_i / (atol + rtol max(|y0_i|, |y1_i|)))^2).
        double err = Math.Sqrt(SumOverSegments(p.EstimatePass) / ((double)ParameterCount * p.ErrorComponents));
        _statistics.LastError = err;
        double safety = Knob(StagedKnobs.Safety), facmin = Knob(StagedKnobs.MinFactor), facmax = Knob(StagedKnobs.MaxFactor);
        string name = Info.Hyperparameters[stepSize].Name;
        double h = GetHyperparameter(name);
        if (err <= 1)
        {
            _acceptedStepSize = h;
            Execute(p.FinalPass);
            if (p.FsalPass >= 0) Execute(p.FsalPass);
            else _haveFirstDerivative = false;
            double next = p.Control == StepControl.ProportionalIntegral
                ? StepSizeControl.ProportionalIntegral(h, err, _errorPrevious, p.ErrorOrder, Knob(StagedKnobs.PiBeta), safety, facmin, facmax)
                : StepSizeControl.Elementary(h, err, p.ErrorOrder, safety, facmin, facmax);
            _errorPrevious = Math.Max(err, 1e-4);
            SetStepSize(name, next);
            return Outcome.Accepted;
        }
        _statistics.RejectedSteps++;
        if (++rejections > Knob(StagedKnobs.MaxRejections))
            throw new InvalidOperationException($"Step {StepCount + 1} of '{Info.Name}' was rejected {rejections} times (last error norm {err:G4} at {name} = {h:G4}); parameters, state and step count are as before the step. The tolerances may be below what float arithmetic reaches, or the gradient is not smooth: raise AbsoluteTolerance/RelativeTolerance or MaxRejections.");
        // After a rejection h only shrinks (facmax = 1); a non-finite error (an overflowing stage) shrinks by facmin.
        double factor = double.IsFinite(err) ? Math.Max(facmin, safety * Math.Pow(1 / err, 1.0 / (p.ErrorOrder + 1))) : facmin;
        SetStepSize(name, h * Math.Min(1.0, factor));
        return Outcome.Retry;
    }

    private void SetStepSize(string name, double h)
    {
        float value = (float)h;
        if (!(value > 0) || !float.IsFinite(value))
            throw new InvalidOperationException($"The step-size controller of '{Info.Name}' reached {name} = {h:G4}, which is no usable step size; parameters, state and step count are as before the step.");
        SetHyperparameter(name, value);
    }

    /// <summary>One Armijo attempt at the current h: y1 = y_n + h d with d the first stage's derivative (forward Euler),
    /// accepted when f(y1) &lt;= f(y_n) + c h g.d; the gradient at y1 becomes the next step's first.</summary>
    private Outcome ArmijoAttempt(StagedProgram p, int stepSize, ref int backtracks)
    {
        if (!_haveFirstDerivative)
        {
            if (!EvaluateChecked()) return Outcome.Skipped;
            _firstLoss = _backend.EvaluatedLoss;
            Execute(p.DerivativePasses[0]);
            _firstDirectional = SumOverSegments(p.EstimatePass);
            _haveFirstDerivative = true;
        }
        string name = Info.Hyperparameters[stepSize].Name;
        double c = Knob(StagedKnobs.ArmijoC);
        double h = GetHyperparameter(name);
        Execute(p.FinalPass);
        if (!EvaluateChecked()) return Outcome.Skipped;
        double loss = _backend.EvaluatedLoss;
        // Sufficient decrease; or, where the decrease asked for is below the loss's float resolution (a float loss cannot
        // show it: near a minimum every trial would fail), no increase (the approximate Armijo condition of Hager & Zhang,
        // SIAM J. Optim. 16, 2005, in its simplest form).
        double asked = -c * h * _firstDirectional;
        bool resolved = asked > FloatResolution * Math.Abs(_firstLoss);
        bool sufficient = loss <= _firstLoss - asked;
        // Grow only after a decrease was asked for and shown (at a stationary point, or with a gradient so small that even
        // double arithmetic cannot subtract it from f, none is).
        bool grow = sufficient && _firstLoss - asked < _firstLoss;
        if (sufficient || (!resolved && loss <= _firstLoss))
        {
            // The gradient at y1 is in the buffer: the next step's first derivative and directional derivative.
            Execute(p.DerivativePasses[0]);
            _firstDirectional = SumOverSegments(p.EstimatePass);
            _firstLoss = loss;
            _statistics.LastLoss = loss;
            _acceptedStepSize = h;
            if (grow) SetStepSize(name, h * Knob(StagedKnobs.GrowthFactor));
            return Outcome.Accepted;
        }
        _statistics.RejectedSteps++;
        if (++backtracks > Knob(StagedKnobs.MaxBacktracks))
            throw new InvalidOperationException($"Step {StepCount + 1} of '{Info.Name}': the Armijo condition f(y1) <= f(y0) + c h g.d failed {backtracks} times (f(y0) = {_firstLoss:G6}, last f(y1) = {loss:G6} at {name} = {h:G4}, g.d = {_firstDirectional:G4}); parameters, state and step count are as before the step. Is the loss the one whose gradient is passed?");
        SetStepSize(name, h * Knob(StagedKnobs.ShrinkFactor));
        return Outcome.Retry;
    }

    /// <summary>The relative spacing of floats (2^-23): a loss returned as a float cannot show a smaller relative decrease.</summary>
    private const double FloatResolution = 1.0 / (1 << 23);

    private double SumOverSegments(int pass)
    {
        double sum = 0;
        for (int s = 0; s < _segmentCount; s++) sum += _backend.ReduceSum(pass, in _segments[s]);
        return sum;
    }

    private enum SolveResult { Converged, Failed, Skipped }

    /// <summary>The fixed-point solve of implicit stage <paramref name="l"/>: Y = G(Y), G(Y) = known + h a_ll f_I(Y, g(Y)),
    /// by Anderson acceleration (type II, Walker &amp; Ni) over the iterated arrays; converged when
    /// ||G(Y) - Y||_2 &lt;= SolverTolerance (sqrt(n) + ||G(Y)||_2). The derivative arrays then hold f at the last
    /// evaluated iterate.</summary>
    private SolveResult Solve(StagedProgram p, int l)
    {
        int n = ParameterCount;
        int length = p.IterateSlots.Length * n;
        double tolerance = Knob(StagedKnobs.SolverTolerance);
        int maxIterations = (int)Knob(StagedKnobs.SolverMaxIterations);
        int memory = (int)Knob(StagedKnobs.SolverMemory);
        if (_anderson is null || _anderson.Length != length || _anderson.Memory != memory) _anderson = new AndersonAccelerator(length, memory);
        else _anderson.Reset();
        if (_iterate.Length != length)
        {
            _iterate = new float[length];
            _map = new float[length];
        }
        double scale = Math.Sqrt(length);
        for (int it = 1; it <= maxIterations; it++)
        {
            if (!EvaluateChecked()) return SolveResult.Skipped;
            Execute(p.DerivativePasses[l]);
            for (int v = 0; v < p.IterateSlots.Length; v++)
            {
                _backend.Array(p.IterateSlots[v]).CopyTo(_iterate.AsSpan(v * n, n));
                _backend.Array(p.MapSlots[v]).CopyTo(_map.AsSpan(v * n, n));
            }
            double mapNorm = 0;
            foreach (float value in _map) mapNorm += (double)value * value;
            double residual = _anderson.Advance(_iterate, _map);
            _statistics.LastSolverIterations = it;
            _statistics.LastSolverResidual = residual;
            if (residual <= tolerance * (scale + Math.Sqrt(mapNorm)))
            {
                _statistics.LastSolverConverged = true;
                return SolveResult.Converged;
            }
            if (it == maxIterations) break;
            for (int v = 0; v < p.IterateSlots.Length; v++) _iterate.AsSpan(v * n, n).CopyTo(_backend.Array(p.IterateSlots[v]));
        }
        _statistics.LastSolverConverged = false;
        return SolveResult.Failed;
    }

    /// <summary>Forgets what the staged step keeps between steps (Reset, LoadState).</summary>
    private void ResetStaged(bool statistics)
    {
        _haveFirstDerivative = false;
        _firstDirectional = double.NaN;
        _firstLoss = double.NaN;
        _errorPrevious = 1e-4;
        if (statistics) _statistics.Reset();
    }
}
