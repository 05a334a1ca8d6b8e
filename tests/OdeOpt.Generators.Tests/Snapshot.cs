using System;
using System.IO;
using System.Runtime.CompilerServices;
using Xunit.Sdk;

namespace OdeOpt.Generators.Tests;

/// <summary>
/// Approval files for generated code. The approved text is checked in as
/// <c>Snapshots/&lt;name&gt;.verified.cs</c> beside the tests. When the actual text differs, it is written to
/// <c>&lt;name&gt;.received.cs</c> next to it (ignored by git) and the test fails; set
/// <c>ODEOPT_ACCEPT_SNAPSHOTS=1</c> to overwrite the verified file instead and pass.
/// </summary>
public static class Snapshot
{
    public const string AcceptVariable = "ODEOPT_ACCEPT_SNAPSHOTS";

    /// <summary>Compares <paramref name="actual"/> with the approved snapshot <paramref name="name"/>.</summary>
    /// <param name="name">The snapshot's name, a valid file name.</param>
    /// <param name="actual">The text to approve; line endings are normalized to \n.</param>
    /// <param name="callerFile">Filled in by the compiler: the snapshot folder is found beside the calling source file.</param>
    public static void Verify(string name, string actual, [CallerFilePath] string callerFile = "")
    {
        string directory = Path.Combine(Path.GetDirectoryName(callerFile) ?? ".", "Snapshots");
        string verifiedPath = Path.Combine(directory, name + ".verified.cs");
        string receivedPath = Path.Combine(directory, name + ".received.cs");
        actual = Normalize(actual);

        bool accept = Environment.GetEnvironmentVariable(AcceptVariable) == "1";
        string? expected = File.Exists(verifiedPath) ? Normalize(File.ReadAllText(verifiedPath)) : null;
        if (expected == actual)
        {
            if (File.Exists(receivedPath)) File.Delete(receivedPath);
            return;
        }
        if (accept)
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(verifiedPath, actual);
            if (File.Exists(receivedPath)) File.Delete(receivedPath);
            return;
        }

        Directory.CreateDirectory(directory);
        File.WriteAllText(receivedPath, actual);
        string reason = expected is null
            ? "there is no approved snapshot " + verifiedPath + "."
            : "the generated code differs from the approved snapshot " + verifiedPath + "." + FirstDifference(expected, actual);
        throw new XunitException(
            "Snapshot '" + name + "': " + reason + Environment.NewLine +
            "The actual text was written to " + receivedPath + "." + Environment.NewLine +
            "Review it (diff the two files); if it is right, rename it over the verified file, or rerun the tests with " +
            AcceptVariable + "=1 to accept every changed snapshot.");
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n");

    private static string FirstDifference(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (int i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            string el = i < e.Length ? e[i] : "<end of file>";
            string al = i < a.Length ? a[i] : "<end of file>";
            if (el != al)
                return Environment.NewLine + "First difference at line " + (i + 1) + ":" + Environment.NewLine +
                       "  approved: " + el + Environment.NewLine + "  actual:   " + al;
        }
        return "";
    }
}
