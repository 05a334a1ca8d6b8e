using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using ILGPU.Runtime;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using OdeOpt.Generators;
using Xunit;

namespace OdeOpt.Gpu.Tests;

/// <summary>Where GPU forms come from, end to end: an optimizer declared in a library built without ILGPU gets its GPU
/// form in a project that references OdeOpt.Gpu, from the library's plan metadata; the built-ins are not emitted twice;
/// nothing GPU-related is emitted without ILGPU; unreadable plan metadata is a warning, never an exception.</summary>
[Collection(GpuCollection.Name)]
public class GeneratorGpuPathTests
{
    private readonly GpuFixture _fixture;

    public GeneratorGpuPathTests(GpuFixture fixture) => _fixture = fixture;

    private const string LibrarySource = """
        using System;
        using OdeOpt;

        namespace Lib;

        /// <summary>Momentum with a bias-free look at the gradient sign, declared in a library without ILGPU.</summary>
        [Optimizer("lib-momentum")]
        [ImexScheme(ImexSchemes.Euler)]
        [Condition("mu < 0.95", Reference = "a library's own rule")]
        public partial class LibMomentum
        {
            [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 0.05f;
            [Hyperparameter(Min = 0, Max = 1)] public float Mu { get; set; } = 0.8f;

            [Explicit("b")] static float B(float g, float b, float mu, float h) => ((mu - 1) * b + g + 0.1f * MathF.Sign(g)) / h;
            [Implicit("theta")] static float Theta(float b) => -b;
        }
        """;

    private static readonly string[] PlatformAssemblies = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);

    private static readonly Lazy<List<MetadataReference>> s_withGpu = new(() => ReadReferences(gpu: true));
    private static readonly Lazy<List<MetadataReference>> s_withoutGpu = new(() => ReadReferences(gpu: false));

    /// <summary>The runtime's assemblies, OdeOpt, and (with <paramref name="gpu"/>) ILGPU and OdeOpt.Gpu.</summary>
    private static List<MetadataReference> References(bool gpu) => new((gpu ? s_withGpu : s_withoutGpu).Value);

    private static List<MetadataReference> ReadReferences(bool gpu)
    {
        bool Wanted(string path)
        {
            string name = Path.GetFileNameWithoutExtension(path);
            if (name.StartsWith("OdeOpt.Gpu.Tests", StringComparison.Ordinal) || name.StartsWith("xunit", StringComparison.Ordinal)) return false;
            bool gpuAssembly = name.StartsWith("ILGPU", StringComparison.Ordinal) || name == "OdeOpt.Gpu";
            return gpu || !gpuAssembly;
        }
        return PlatformAssemblies.Where(Wanted).Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList();
    }

    private static (Compilation Output, GeneratorRunResult Result) Generate(string assemblyName, string source, IEnumerable<MetadataReference> references)
    {
        var compilation = CSharpCompilation.Create(assemblyName,
            new[] { CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest)) },
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(new OptimizerGenerator());
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        return (output, result);
    }

    private static byte[] Emit(Compilation compilation)
    {
        var errors = compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
        Assert.True(errors.Length == 0, string.Join("\n", errors.Select(e => e.ToString())));
        using var ms = new MemoryStream();
        var emitted = compilation.Emit(ms);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        return ms.ToArray();
    }

    private static string[] HintNames(GeneratorRunResult result) => result.GeneratedSources.Select(s => s.HintName).ToArray();

    [Fact]
    public void A_library_optimizer_gets_its_GPU_form_from_plan_metadata_and_it_steps_like_the_CPU_form()
    {
        // The library: no ILGPU, so CPU form and plan metadata only.
        var (library, libraryResult) = Generate("Lib", LibrarySource, References(gpu: false));
        Assert.Equal(new[] { "Lib.LibMomentum.OdeOpt.Plan.g.cs", "Lib.LibMomentum.OdeOpt.g.cs" }, HintNames(libraryResult).OrderBy(n => n, StringComparer.Ordinal));
        byte[] libraryImage = Emit(library);

        // The application references the library, OdeOpt.Gpu and ILGPU: the library's optimizer gets LibMomentumGpu,
        // the built-ins none (OdeOpt.Gpu holds theirs).
        var appReferences = References(gpu: true);
        appReferences.Add(MetadataReference.CreateFromImage(libraryImage));
        const string appSource = "namespace App { public static class Use { public static object Make(ILGPU.Runtime.Accelerator a) => new Lib.LibMomentumGpu(a, 10); } }";
        var (app, appResult) = Generate("App", appSource, appReferences);
        Assert.Equal(new[] { "Lib.LibMomentum.OdeOpt.Gpu.g.cs" }, HintNames(appResult));
        Assert.Empty(appResult.Diagnostics);
        byte[] appImage = Emit(app);

        // Load both and step the generated GPU form against the library's CPU form on the CPU accelerator.
        var context = new AssemblyLoadContext("generated", isCollectible: true);
        try
        {
            var lib = context.LoadFromStream(new MemoryStream(libraryImage));
            var appAssembly = context.LoadFromStream(new MemoryStream(appImage));
            const int n = 101;
            var cpu = (IOptimizer)Activator.CreateInstance(lib.GetType("Lib.LibMomentum")!, n)!;
            using var gpu = (ISingleGradientGpuOptimizer)Activator.CreateInstance(appAssembly.GetType("Lib.LibMomentumGpu")!, _fixture.Accelerator, n)!;
            var p = Support.Start(n);
            using var buffer = _fixture.Accelerator.Allocate1D<float>(n);
            using var gradient = _fixture.Accelerator.Allocate1D<float>(n);
            buffer.View.CopyFromCPU(p);
            var function = Support.OnHost(n);
            for (int s = 0; s < 20; s++)
            {
                cpu.Step(p, Support.Gradient);
                function(buffer.View, gradient.View);
                gpu.Step(buffer.View, gradient.View);
            }
            Assert.True(Support.RelativeDifference(Support.ToHost(buffer.View), p) <= 1e-6);
            Assert.Equal(Support.State(cpu), Support.State(gpu));

            // The library's [Condition] travels in the metadata (format 3): the GPU form checks it with the CPU form's code.
            Assert.Empty(gpu.Validate());
            gpu.SetHyperparameter("Mu", 0.97f);
            var warning = Assert.Single(gpu.Validate());
            Assert.Equal("mu < 0.95", warning.Condition);
            Assert.Equal(0.97f, warning.Values.Single().Value);
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>A flag that leaves a state array untouched travels in the plan metadata (format 2) as per-assignment
    /// touch sets, and the GPU kernel loads and stores the array only under the assignments that touch it.</summary>
    [Fact]
    public void A_state_array_a_flag_leaves_untouched_is_neither_loaded_nor_stored_by_the_GPU_kernel_under_that_flag()
    {
        const string source = """
            using System;
            using OdeOpt;

            namespace Lib;

            [Optimizer("lib-flagged")]
            [ImexScheme(ImexSchemes.Euler)]
            public partial class LibFlagged
            {
                [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 0.05f;
                [Hyperparameter] public bool KeepMax { get; set; }

                [Explicit("b")] static float B(float g, float b, float h) => (g - b) / h;
                [Explicit("top")] static float Top(float g, float top, bool keepMax, float h) => keepMax ? (MathF.Max(top, MathF.Abs(g)) - top) / h : 0;
                [Implicit("theta")] static float Theta(float b, float top, bool keepMax) => -b / (keepMax ? 1 + top : 1);
            }
            """;
        var (library, libraryResult) = Generate("Lib", source, References(gpu: false));
        string plan = libraryResult.GeneratedSources.Single(s => s.HintName.EndsWith(".Plan.g.cs", StringComparison.Ordinal)).SourceText.ToString();
        Assert.Contains("odeopt-plan 5", plan);
        Assert.Contains("variant ", plan);
        string cpuForm = libraryResult.GeneratedSources.Single(s => s.HintName == "Lib.LibFlagged.OdeOpt.g.cs").SourceText.ToString();
        Assert.Contains("OptionalArrays = 2", cpuForm); // top is array 1: allocated at the first step with KeepMax on

        var appReferences = References(gpu: true);
        appReferences.Add(MetadataReference.CreateFromImage(Emit(library)));
        var (_, appResult) = Generate("App", "namespace App { }", appReferences);
        string gpuForm = appResult.GeneratedSources.Single().SourceText.ToString();
        // Key bit 0 = (keepMax == 0): the array is touched only under key 0 (KeepMax on).
        Assert.Contains("bool _use_a1 = ((0x1u >> _variant) & 1u) != 0u;", gpuForm);
        Assert.Contains("_use_a1 ? _a14[_i] : default", gpuForm);
        Assert.Contains("if (_use_a1) _a14[_i] = _out_a1;", gpuForm);
        Assert.DoesNotContain("_use_a0", gpuForm); // b is touched under every assignment
        Assert.Contains("public bool KeepMax { get => Hyperparameter(1) != 0f; set => Hyperparameter(1) = value ? 1f : 0f; }", gpuForm); // a flag is a bool on both forms
    }

    /// <summary>A multi-gradient scheme declared in a library: its undo pass travels in the metadata (format 3), and the
    /// GPU form emitted from it undoes a failed step from the copy that pass makes.</summary>
    [Fact]
    public void The_undo_pass_of_a_library_scheme_travels_in_the_metadata_and_undoes_a_failed_GPU_step()
    {
        const string source = """
            using OdeOpt;

            namespace Lib;

            [Optimizer("lib-midpoint-flow")]
            [ExplicitTableau("0 0; 1/2 0", B = "0 1")]
            public partial class LibMidpointFlow
            {
                [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 0.05f;

                [Explicit("theta")] static float Theta(float g) => -g;
            }
            """;
        var (library, libraryResult) = Generate("UndoLib", source, References(gpu: false));
        string plan = libraryResult.GeneratedSources.Single(s => s.HintName.EndsWith(".Plan.g.cs", StringComparison.Ordinal)).SourceText.ToString();
        // The midpoint rule writes theta_n + h/2 k1 into the parameter buffer in its first pass: theta_n is the one value to keep.
        Assert.Contains("rollback 2 4 ", plan);
        byte[] libraryImage = Emit(library);
        var appReferences = References(gpu: true);
        appReferences.Add(MetadataReference.CreateFromImage(libraryImage));
        var (app, appResult) = Generate("UndoApp", "namespace UndoApp { }", appReferences);
        string gpuForm = appResult.GeneratedSources.Single().SourceText.ToString();
        Assert.Contains("Pass1WithRollback", gpuForm);
        Assert.Contains("RollbackPass = 2, RollbackTargets = new int[] { -1 }", gpuForm);
        byte[] appImage = Emit(app);

        var context = new AssemblyLoadContext("undo", isCollectible: true);
        try
        {
            var lib = context.LoadFromStream(new MemoryStream(libraryImage));
            var appAssembly = context.LoadFromStream(new MemoryStream(appImage));
            const int n = 37;
            Assert.Equal(4, ((OptimizerInfo)lib.GetType("Lib.LibMidpointFlow")!.GetProperty("StaticInfo")!.GetValue(null)!).RollbackBytesPerParameter);
            var cpu = (IOptimizer)Activator.CreateInstance(lib.GetType("Lib.LibMidpointFlow")!, n)!;
            using var gpu = (IGpuOptimizer)Activator.CreateInstance(appAssembly.GetType("Lib.LibMidpointFlowGpu")!, _fixture.Accelerator, n)!;
            var p = Support.Start(n);
            using var buffer = _fixture.Accelerator.Allocate1D(p);
            var function = Support.OnHost(n);
            for (int s = 0; s < 3; s++) { cpu.Step(p, Support.Gradient); gpu.Step(buffer.View, function); }
            var before = Support.ToHost(buffer.View);
            var state = Support.State(gpu);
            int calls = 0;
            Assert.Throws<InvalidOperationException>(() => gpu.Step(buffer.View, (x, g) => { if (++calls == 2) throw new InvalidOperationException("loss failed"); function(x, g); }));
            Assert.Equal(before, Support.ToHost(buffer.View));
            Assert.Equal(state, Support.State(gpu));
            for (int s = 0; s < 3; s++) { cpu.Step(p, Support.Gradient); gpu.Step(buffer.View, function); }
            Assert.True(Support.RelativeDifference(Support.ToHost(buffer.View), p) <= 1e-6);
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>A library optimizer with 16-bit state arrays: the storage travels in the metadata (format 5), and the GPU
    /// form emitted from it reads and writes 16-bit views, holding the CPU form's states bit for bit.</summary>
    [Fact]
    public void The_state_storage_of_a_library_optimizer_travels_in_the_metadata_and_the_GPU_form_keeps_its_bits()
    {
        const string source = """
            using OdeOpt;

            namespace Lib;

            [Optimizer("lib-storage-momentum")]
            [ImexScheme(ImexSchemes.Euler)]
            [StateStorage("b", StateStorage.Half)]
            [StateStorage("top", StateStorage.BFloat16)]
            public partial class LibStorageMomentum
            {
                [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 0.05f;

                [Explicit("b")] static float B(float g, float b, float h) => (g - b) / (2 * h);
                [Explicit("top")] static float Top(float g, float top, float h) => (System.MathF.Max(top, System.MathF.Abs(g)) - top) / h;
                [Implicit("theta")] static float Theta(float b, float top) => -b / (1 + top);
            }
            """;
        var (library, libraryResult) = Generate("StorageLib", source, References(gpu: false));
        Assert.Empty(libraryResult.Diagnostics);
        string plan = libraryResult.GeneratedSources.Single(s => s.HintName.EndsWith(".Plan.g.cs", StringComparison.Ordinal)).SourceText.ToString();
        Assert.Contains("storage 2 1", plan); // top (array 1) bfloat16, b (array 0) binary16
        byte[] libraryImage = Emit(library);
        var appReferences = References(gpu: true);
        appReferences.Add(MetadataReference.CreateFromImage(libraryImage));
        var (app, appResult) = Generate("StorageApp", "namespace StorageApp { }", appReferences);
        Assert.Empty(appResult.Diagnostics);
        string gpuForm = appResult.GeneratedSources.Single().SourceText.ToString();
        Assert.Contains("public global::ILGPU.ArrayView<ushort> State0;", gpuForm);
        Assert.Contains("global::OdeOpt.Gpu.GpuMath.SingleToHalf(", gpuForm);
        Assert.Contains("global::OdeOpt.Gpu.GpuMath.SingleToBFloat16(", gpuForm);
        Assert.Contains("BFloat16Arrays = 2, HalfArrays = 1", gpuForm);
        byte[] appImage = Emit(app);

        var context = new AssemblyLoadContext("storage", isCollectible: true);
        try
        {
            var lib = context.LoadFromStream(new MemoryStream(libraryImage));
            var appAssembly = context.LoadFromStream(new MemoryStream(appImage));
            const int n = 103;
            var cpu = (IOptimizer)Activator.CreateInstance(lib.GetType("Lib.LibStorageMomentum")!, n)!;
            using var gpu = (IGpuOptimizer)Activator.CreateInstance(appAssembly.GetType("Lib.LibStorageMomentumGpu")!, _fixture.Accelerator, n)!;
            Assert.Equal(new[] { "b" }, gpu.Info.HalfStateVariables);
            Assert.Equal(20, gpu.Info.BytesPerParameterPerStep); // theta 4 + 4, g 4, b 2 + 2, top 2 + 2
            var p = Support.Start(n);
            using var buffer = _fixture.Accelerator.Allocate1D(p);
            var function = Support.OnHost(n);
            for (int s = 0; s < 10; s++) { cpu.Step(p, Support.Gradient); gpu.Step(buffer.View, function); }
            Assert.Equal(p, Support.ToHost(buffer.View));
            Assert.Equal(Support.State(cpu), Support.State(gpu));
        }
        finally
        {
            context.Unload();
        }
    }

    [Fact]
    public void Without_ILGPU_nothing_GPU_related_is_emitted()
    {
        var (output, result) = Generate("NoGpu", LibrarySource, References(gpu: false));
        Assert.Equal(2, result.GeneratedSources.Length); // the CPU form and its plan metadata
        Assert.DoesNotContain(result.GeneratedSources, s => s.SourceText.ToString().Contains("global::ILGPU", StringComparison.Ordinal));
        Assert.DoesNotContain(output.ReferencedAssemblyNames, a => a.Name.StartsWith("ILGPU", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("odeopt-plan 99\\nname \\\"broken\\\"\\n", "format version 99")]
    [InlineData("odeopt-plan 1\\nname \\\"broken\\\"\\nkernel Pass1 begins \\\"x\\\"\\nlet y (Frobnicate $Local:x)\\n", "cannot be read")]
    [InlineData("not a plan", "not an OdeOpt plan")]
    public void Unreadable_plan_metadata_is_warning_ODEOPT060_and_no_GPU_form(string plan, string reason)
    {
        string source = "[assembly: OdeOpt.Runtime.OptimizerPlan(typeof(Broken.Opt), \"" + plan + "\")] namespace Broken { public class Opt { } }";
        var compilation = CSharpCompilation.Create("Broken", new[] { CSharpSyntaxTree.ParseText(source) }, References(gpu: false),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var references = References(gpu: true);
        references.Add(MetadataReference.CreateFromImage(Emit(compilation)));
        var (_, result) = Generate("App", "namespace App { }", references);
        Assert.Empty(result.GeneratedSources);
        var warning = Assert.Single(result.Diagnostics);
        Assert.Equal("ODEOPT060", warning.Id);
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        Assert.Contains("Broken.Opt", warning.GetMessage());
        Assert.Contains(reason, warning.GetMessage());
    }
}
