using System;

namespace OdeOpt;

/// <summary>
/// Declares an optimizer: the partial class it is placed on becomes a fused kernel generated from the
/// tableau pair and the split right-hand side declared on its members.
/// </summary>
/// <remarks>
/// The class must be <c>partial</c>, top-level and non-generic. The generator adds a constructor
/// <c>(int parameterCount)</c>, a static <c>StaticInfo</c>, the members of <see cref="IOptimizer"/> and, when one
/// gradient per step suffices, <see cref="ISingleGradientOptimizer"/>. With <see cref="Ode"/> the class declares only
/// the scheme; the right-hand side, hyperparameters and initial values come from the <see cref="OdeAttribute"/> type.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class OptimizerAttribute : Attribute
{
    /// <param name="name">The registry name, kebab-case by convention (for example <c>"imex-trapezoidal-adam"</c>).</param>
    public OptimizerAttribute(string name) => Name = name;

    /// <summary>The registry name.</summary>
    public string Name { get; }

    /// <summary>The order the scheme is claimed to have; checked at compile time against the pair's order conditions.</summary>
    public int Order { get; set; }

    /// <summary>The ODE this optimizer discretises: a class carrying <see cref="OdeAttribute"/>, in this compilation or a
    /// referenced assembly built with OdeOpt. The optimizer class then declares only the scheme (a tableau pair or
    /// <see cref="ImexSchemeAttribute"/>); its hyperparameter properties are generated from the ODE's. With only an
    /// explicit tableau, the ODE's implicit parts are treated explicitly too (added to the explicit parts).</summary>
    /// <example><code>
    /// [Optimizer("imex-ars222-adam", Order = 2, Ode = typeof(AdamOde))]
    /// [ImexScheme(ImexSchemes.Ars222)]
    /// public partial class ImexArs222Adam;
    /// </code></example>
    public Type? Ode { get; set; }

    /// <summary>The order the embedded weights (<see cref="ExplicitTableauAttribute.BHat"/>) are claimed to have; checked
    /// at compile time like <see cref="Order"/>.</summary>
    public int EmbeddedOrder { get; set; }

    /// <summary>How the step size (the <see cref="StepSizeAttribute"/> hyperparameter) is chosen step by step: an
    /// embedded error controller (the explicit tableau needs <see cref="ExplicitTableauAttribute.BHat"/>) or Armijo line
    /// search. The right-hand side must not read h itself (ODEOPT046): h is then the time step and nothing else. The
    /// controller's knobs (AbsoluteTolerance, RelativeTolerance, Safety, MinFactor, MaxFactor, PiBeta, MaxRejections;
    /// ArmijoC, ShrinkFactor, GrowthFactor, MaxBacktracks) become generated hyperparameters. See docs/dsl.md.</summary>
    /// <example><code>
    /// [Optimizer("adaptive-bs3-flow", Order = 3, EmbeddedOrder = 2, StepControl = StepControl.ProportionalIntegral)]
    /// [ExplicitTableau("0 0 0 0; 1/2 0 0 0; 0 3/4 0 0; 2/9 1/3 4/9 0", B = "2/9 1/3 4/9 0", BHat = "7/24 1/4 1/3 1/8")]
    /// public partial class AdaptiveBs3Flow { ... }
    /// </code></example>
    public StepControl StepControl { get; set; }
}

/// <summary>
/// Declares an ODE once, to be discretised by any number of optimizers (<see cref="OptimizerAttribute.Ode"/>): the class
/// holds the hyperparameter properties, the <see cref="ExplicitAttribute"/>/<see cref="ImplicitAttribute"/>/
/// <see cref="UpdateAttribute"/> bodies, <see cref="LetAttribute"/>s, <see cref="InitialAttribute"/>s,
/// <see cref="StepScalarAttribute"/>s, <see cref="GradientAtAttribute"/> and <see cref="ConditionAttribute"/>s, exactly as
/// an optimizer class would, but no tableau. Which part of a right-hand side is explicit and which implicit is part of
/// the ODE.
/// </summary>
/// <remarks>The class must be top-level and non-generic; nothing is generated into it (it need not be partial). The
/// generator records its source in the assembly's metadata, so that optimizers in other assemblies can discretise it.</remarks>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class OdeAttribute : Attribute
{
}

/// <summary>
/// The explicit Butcher tableau: <c>A</c> strictly lower triangular, rows separated by <c>;</c>, entries by
/// spaces or commas, each a rational (<c>1/3</c>) or a decimal (<c>0.5</c>).
/// </summary>
// AllowMultiple so that a second one is the generator's ODEOPT012 at that attribute, not the compiler's CS0579.
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = true)]
public sealed class ExplicitTableauAttribute : Attribute
{
    /// <param name="a">The matrix A, for example <c>"0 0; 1 0"</c>.</param>
    public ExplicitTableauAttribute(string a) => A = a;

    /// <summary>The matrix A.</summary>
    public string A { get; }

    /// <summary>The weights b (required).</summary>
    public string? B { get; set; }

    /// <summary>The abscissae c (optional; the row sums of A when omitted).</summary>
    public string? C { get; set; }

    /// <summary>Embedded weights b-hat (optional): a second solution y-hat = y_n + h sum bhat_j E(Y_j) of another order,
    /// for an error estimate. The generator checks its order (<see cref="OptimizerAttribute.EmbeddedOrder"/>) and reports
    /// it in <see cref="OptimizerInfo.EmbeddedOrder"/>; for example Bogacki–Shampine 3(2):
    /// <c>[ExplicitTableau("0 0 0 0; 1/2 0 0 0; 0 3/4 0 0; 2/9 1/3 4/9 0", B = "2/9 1/3 4/9 0", BHat = "7/24 1/4 1/3 1/8")]</c>.</summary>
    public string? BHat { get; set; }
}

/// <summary>
/// The implicit Butcher tableau: <c>A</c> lower triangular (diagonally implicit), same number of stages as
/// the explicit one.
/// </summary>
// AllowMultiple so that a second one is the generator's ODEOPT012 at that attribute, not the compiler's CS0579.
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = true)]
public sealed class ImplicitTableauAttribute : Attribute
{
    /// <param name="a">The matrix A, for example <c>"0 0; 1/2 1/2"</c>.</param>
    public ImplicitTableauAttribute(string a) => A = a;

    /// <summary>The matrix A.</summary>
    public string A { get; }

    /// <summary>The weights b (required).</summary>
    public string? B { get; set; }

    /// <summary>The abscissae c (optional; the row sums of A when omitted).</summary>
    public string? C { get; set; }
}

/// <summary>Built-in named IMEX pairs; shorthand for the corresponding tableau attributes.</summary>
public enum ImexSchemes
{
    /// <summary>IMEX Euler: forward Euler for the explicit part, backward Euler for the implicit part (order 1). Adam is this scheme.</summary>
    Euler,
    /// <summary>Explicit trapezoidal (Heun) with implicit trapezoidal (Crank–Nicolson) (order 2).</summary>
    Trapezoidal,
    /// <summary>Explicit midpoint with implicit midpoint (order 2; two gradients per step).</summary>
    Midpoint,
    /// <summary>Ascher–Ruuth–Spiteri (1997) ARS(2,2,2), L-stable implicit part (order 2).</summary>
    Ars222,
    /// <summary>Ascher–Ruuth–Spiteri (1997) ARS(2,3,3) (order 3).</summary>
    Ars233,
}

/// <summary>Uses a built-in named IMEX pair instead of explicit tableau attributes.</summary>
// AllowMultiple so that a second one is the generator's ODEOPT012 at that attribute, not the compiler's CS0579.
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = true)]
public sealed class ImexSchemeAttribute : Attribute
{
    /// <param name="scheme">The named pair.</param>
    public ImexSchemeAttribute(ImexSchemes scheme) => Scheme = scheme;

    /// <summary>The named pair.</summary>
    public ImexSchemes Scheme { get; }
}

/// <summary>Marks a static <c>float</c> method as the explicit part of the right-hand side of a state variable.</summary>
/// <remarks>Parameters bind by name: state variables, <c>g</c> (gradient at the stage point), hyperparameters
/// in camelCase, <c>h</c> (step size) and <c>t</c> (1-based step index).</remarks>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class ExplicitAttribute : Attribute
{
    /// <param name="variable">The state variable, <c>"theta"</c> for the parameters.</param>
    public ExplicitAttribute(string variable) => Variable = variable;

    /// <summary>The state variable.</summary>
    public string Variable { get; }
}

/// <summary>Marks a static <c>float</c> method as the implicit part of the right-hand side of a state variable.</summary>
/// <remarks>The implicit part may not read <c>g</c>. When it reads its own variable it must be affine in it.</remarks>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class ImplicitAttribute : Attribute
{
    /// <param name="variable">The state variable.</param>
    public ImplicitAttribute(string variable) => Variable = variable;

    /// <summary>The state variable.</summary>
    public string Variable { get; }
}

/// <summary>Marks a static <c>float</c> method as the explicit part of a state variable written as the value after a
/// forward-Euler step: the method returns <c>F</c> and the right-hand side is <c>E_x = (F - x) / h</c>.</summary>
/// <remarks>Under the one-stage explicit tableau (<c>"0"</c>, <c>B = "1"</c>) or <see cref="ImexSchemes.Euler"/> this is
/// <c>x_{n+1} = F(y_n, g_n)</c>, the update as an algorithm box writes it: <c>[Update("m")] =&gt; beta1 * m + (1 - beta1) * g</c>.
/// Under any other tableau it is that right-hand side. Parameters bind as in <see cref="ExplicitAttribute"/>; a variable
/// has either an <c>[Update]</c> or an <c>[Explicit]</c> part (ODEOPT031).</remarks>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class UpdateAttribute : Attribute
{
    /// <param name="variable">The state variable, <c>"theta"</c> for the parameters.</param>
    public UpdateAttribute(string variable) => Variable = variable;

    /// <summary>The state variable.</summary>
    public string Variable { get; }
}

/// <summary>Marks a static <c>float</c> method as a named value (a <em>let</em>): a sub-expression written once and read by
/// any body, [Initial] or later let that names a parameter after it.</summary>
/// <remarks>A let is evaluated where it is read: at the stage point of the body that reads it (its <c>g</c> is that
/// stage's gradient, its state variables that stage's values). It is substituted into the reading body, so it costs
/// nothing: the generated code computes a numeric sub-expression once per element however often it is read. A let may
/// read what a body may read, and other lets (without a cycle); an implicit part that reads a let that reads <c>g</c> is
/// ODEOPT007. Misuse is ODEOPT030.</remarks>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class LetAttribute : Attribute
{
    /// <param name="name">The name bodies bind it by (a C# identifier, not a state variable, hyperparameter, g, h or t).</param>
    public LetAttribute(string name) => Name = name;

    /// <summary>The name bodies bind it by.</summary>
    public string Name { get; }
}

/// <summary>Marks a static <c>float</c> method giving the value of a state variable before the first step,
/// from <c>g</c> and <c>theta</c> at the first gradient and hyperparameters. Without it the value is 0.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class InitialAttribute : Attribute
{
    /// <param name="variable">The state variable.</param>
    public InitialAttribute(string variable) => Variable = variable;

    /// <summary>The state variable.</summary>
    public string Variable { get; }
}

/// <summary>Marks a settable <c>float</c> property as a hyperparameter, bound in bodies by its camelCase name.
/// Every step checks that it is finite and inside its range before anything is written.</summary>
/// <remarks>A settable <c>bool</c> property is a <em>flag</em> (for example <c>Nesterov</c>, <c>Amsgrad</c>): a body
/// binds it as a <c>bool</c> parameter and may use it only as a condition (<c>nesterov ? a : b</c>, with
/// <c>&amp;&amp;</c>, <c>||</c>, <c>!</c>). A flag takes no range and cannot be the step size. It is stored as 0 or 1
/// wherever hyperparameters travel as numbers (parameter groups, schedules, saved state).</remarks>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class HyperparameterAttribute : Attribute
{
    /// <summary>The smallest allowed value (inclusive unless <see cref="MinExclusive"/>); none when unset.</summary>
    public double Min { get; set; } = double.NaN;

    /// <summary>The largest allowed value (inclusive unless <see cref="MaxExclusive"/>); none when unset.</summary>
    public double Max { get; set; } = double.NaN;

    /// <summary>Whether <see cref="Min"/> itself is excluded.</summary>
    public bool MinExclusive { get; set; }

    /// <summary>Whether <see cref="Max"/> itself is excluded.</summary>
    public bool MaxExclusive { get; set; }
}

/// <summary>Makes a hyperparameter the step size <c>h</c> of the time integrator. Without one, <c>h = 1</c>.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class StepSizeAttribute : Attribute
{
}

/// <summary>
/// Takes the gradient at an affine look-ahead point such as <c>"theta + sigma * m"</c> (Nesterov,
/// super-acceleration). The parameter buffer then holds the look-ahead point; <see cref="IOptimizer.GetIterate"/>
/// recovers theta.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class GradientAtAttribute : Attribute
{
    /// <param name="point">theta plus a linear combination of state variables with hyperparameter coefficients.</param>
    public GradientAtAttribute(string point) => Point = point;

    /// <summary>The look-ahead point.</summary>
    public string Point { get; }
}

/// <summary>
/// Declares a per-step scalar state <c>s</c>, a recurrence updated once per step on the host in double precision:
/// <c>s_0 = Initial</c> and, when step t begins, <c>s_t = F(s_{t-1}, hyperparameters, h, t)</c>, where F is the body of
/// the static <c>float</c> method the attribute is placed on. Right-hand sides, [Initial] methods and the
/// [GradientAt] point read <c>s_t</c> by naming a parameter after it. The value is saved with the optimizer state.
/// </summary>
/// <example>NAdam's running product of the momentum schedule, mu_1 mu_2 ... mu_t:
/// <code>
/// [StepScalar("muProduct", Initial = 1)]
/// static float MuProduct(float muProduct, float beta1, float momentumDecay, int t) =>
///     muProduct * beta1 * (1 - 0.5f * MathF.Pow(0.96f, t * momentumDecay));
/// </code></example>
/// <remarks>The update may read its own previous value, hyperparameters (flags as conditions), <c>h</c> and
/// <c>t</c>; not the gradient, state variables or other step scalars. With parameter groups each group keeps its
/// own value (the recurrence runs with the group's hyperparameters).</remarks>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class StepScalarAttribute : Attribute
{
    /// <param name="name">The scalar's name, as bodies bind it (a C# identifier).</param>
    public StepScalarAttribute(string name) => Name = name;

    /// <summary>The scalar's name.</summary>
    public string Name { get; }

    /// <summary>The value before the first step (default 0).</summary>
    public double Initial { get; set; }
}

/// <summary>
/// A condition on the hyperparameters under which the scheme is known to behave, such as a convergence condition from
/// the analysis of the ODE (<c>"3 + beta2 &gt; 4 * beta1"</c> for the Adam family, Belotto da Silva &amp; Gazeau 2020).
/// The generator compiles it into the optimizer's <see cref="IOptimizer.Validate"/>, which returns a
/// <see cref="HyperparameterWarning"/> for every condition that the current values violate. A violated condition is a
/// warning, not an error: a step still runs.
/// </summary>
/// <remarks>The expression is C# over hyperparameters, bound by their camelCase names as in right-hand-side bodies
/// (flags as conditions; <c>h</c> for the step size): comparisons combined with <c>&amp;&amp;</c>, <c>||</c> and
/// <c>!</c>, over float arithmetic, literals and <c>MathF</c> calls. It is evaluated in double precision. Anything
/// else is the compile-time error ODEOPT029.</remarks>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = true)]
public sealed class ConditionAttribute : Attribute
{
    /// <param name="expression">The condition, for example <c>"3 + beta2 &gt; 4 * beta1"</c>.</param>
    public ConditionAttribute(string expression) => Expression = expression;

    /// <summary>The condition.</summary>
    public string Expression { get; }

    /// <summary>Where the condition comes from (a paper, a theorem), shown with a warning.</summary>
    public string? Reference { get; set; }
}

/// <summary>How a state variable's array is stored between steps; the arithmetic is float32 either way.</summary>
public enum StateStorage
{
    /// <summary>float32 (4 bytes per parameter), the default.</summary>
    Float32 = 0,

    /// <summary>bfloat16 (2 bytes per parameter): the upper half of a float, rounded to nearest even when stored
    /// (<see cref="Runtime.BFloat16"/>), widened exactly when loaded.</summary>
    BFloat16 = 1,

    /// <summary>IEEE binary16 (<see cref="System.Half"/>, 2 bytes per parameter): 11 significant bits where bfloat16 has
    /// 8, but only the range 2^-24 (smallest subnormal) to 65504; rounded to nearest even when stored, beyond 65504 to
    /// infinity (<see cref="Runtime.HalfFloat"/>), widened exactly when loaded. Suited to a variable whose values stay in
    /// that range, such as Adam's first moment (|m| is at most max |g|). Adam's second moment, an average of g^2 that
    /// starts at (1 - beta2) g^2, is rounded to 0 below 2^-25 (|g| below 5.5e-3 on the first step at beta2 = 0.999) and
    /// keeps fewer than 11 bits below 2^-14: use bfloat16 for it.</summary>
    Half = 2,
}

/// <summary>
/// Stores the array of state variable <see cref="Variable"/> in <see cref="Storage"/> instead of float32: fewer bytes
/// per parameter for a step bound by memory (Adam with bfloat16 m and v moves 20 bytes per parameter instead of 28).
/// Each element is loaded, widened to float32, updated in float32 and rounded back when stored. For schemes of one
/// pass per step whose array holds the variable itself between steps, on the CPU and GPU forms (docs/dsl.md, "State
/// storage"); anything else is ODEOPT047.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = true)]
public sealed class StateStorageAttribute : Attribute
{
    /// <param name="variable">A state variable other than theta (theta lives in the caller's buffer).</param>
    /// <param name="storage">Its storage.</param>
    public StateStorageAttribute(string variable, StateStorage storage)
    {
        Variable = variable;
        Storage = storage;
    }

    /// <summary>The state variable.</summary>
    public string Variable { get; }

    /// <summary>Its storage.</summary>
    public StateStorage Storage { get; }
}

/// <summary>
/// Lets the optimizer also step bfloat16 parameter and gradient buffers (<c>Step(Span&lt;ushort&gt;, ReadOnlySpan&lt;ushort&gt;)</c>,
/// <see cref="IBFloat16ParameterOptimizer"/>) beside the float32 ones: each parameter and gradient element is widened,
/// the step computed in float32, and the new parameter rounded to bfloat16 stochastically, unbiased, with random bits
/// that are a pure function of (seed, step, element index) (<see cref="Runtime.CounterRandom"/>), so that updates below
/// half a bfloat16 ulp still move the parameter in expectation and the result is the same for any thread count. Adam
/// with bfloat16 parameters, gradients and moments moves 14 bytes per parameter per step instead of 28. For schemes of
/// one pass and one gradient per step that keep theta in the caller's buffer (docs/dsl.md, "State storage"); anything
/// else is ODEOPT048.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class ParameterStorageAttribute : Attribute
{
    /// <param name="storage">The storage of the parameter and gradient buffers the extra step form takes:
    /// <see cref="StateStorage.BFloat16"/> (the only one offered).</param>
    public ParameterStorageAttribute(StateStorage storage) => Storage = storage;

    /// <summary>The storage.</summary>
    public StateStorage Storage { get; }
}
