using System;
using System.Collections.Generic;
using System.IO;

namespace OdeOpt.Compare.Data;

/// <summary>Labelled 28 x 28 grey images, pixels scaled to [0, 1].</summary>
public sealed class ImageSet
{
    /// <summary>Pixels per image.</summary>
    public const int Pixels = 28 * 28;

    /// <summary>Number of classes.</summary>
    public const int Classes = 10;

    /// <param name="pixels">Count x 784 values in [0, 1].</param>
    /// <param name="labels">Count labels in 0..9.</param>
    public ImageSet(float[] pixels, byte[] labels)
    {
        if (pixels.Length != labels.Length * Pixels)
            throw new ArgumentException($"{pixels.Length} pixel values for {labels.Length} images of {Pixels}.");
        Images = pixels;
        Labels = labels;
    }

    /// <summary>Count x 784 pixel values, row-major.</summary>
    public float[] Images { get; }

    /// <summary>The labels.</summary>
    public byte[] Labels { get; }

    /// <summary>The number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>The first <paramref name="count"/> images (all when there are fewer).</summary>
    public ImageSet Take(int count)
    {
        count = Math.Min(count, Count);
        return new ImageSet(Images.AsSpan(0, count * Pixels).ToArray(), Labels.AsSpan(0, count).ToArray());
    }

    /// <summary>The image of index <paramref name="i"/>.</summary>
    public ReadOnlySpan<float> Image(int i) => Images.AsSpan(i * Pixels, Pixels);
}

/// <summary>Fashion-MNIST from IDX files.</summary>
public static class FashionMnist
{
    /// <summary>The directory used when --data is not given and it exists.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Loads the split <paramref name="split"/> ("train" or "t10k") from <paramref name="directory"/>, reading
    /// <c>{split}-images-idx3-ubyte</c> and <c>{split}-labels-idx1-ubyte</c>, each plain or with <c>.gz</c>.</summary>
    /// <param name="maxCount">Keep at most this many images.</param>
    /// <exception cref="DirectoryNotFoundException">No such directory.</exception>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is malformed or the two files disagree.</exception>
    public static ImageSet Load(string directory, string split, int maxCount = int.MaxValue)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"Data directory '{directory}' does not exist.");
        var images = Idx.Read(Find(directory, $"{split}-images-idx3-ubyte"));
        var labels = Idx.Read(Find(directory, $"{split}-labels-idx1-ubyte"));
        if (images.Dimensions.Length != 3 || images.Dimensions[1] != 28 || images.Dimensions[2] != 28)
            throw new InvalidDataException($"'{directory}': {split} images have dimensions {string.Join(" x ", images.Dimensions)}; expected N x 28 x 28.");
        if (labels.Dimensions.Length != 1 || labels.Dimensions[0] != images.Dimensions[0])
            throw new InvalidDataException($"'{directory}': {split} labels have dimensions {string.Join(" x ", labels.Dimensions)}; expected {images.Dimensions[0]} (one per image).");
        int count = Math.Min(maxCount, images.Dimensions[0]);
        var pixels = new float[count * ImageSet.Pixels];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = images.Data[i] / 255f;
        var y = labels.Data.AsSpan(0, count).ToArray();
        foreach (var label in y)
            if (label >= ImageSet.Classes) throw new InvalidDataException($"'{directory}': {split} label {label} is not a class 0..9.");
        return new ImageSet(pixels, y);
    }

    private static string Find(string directory, string name)
    {
        var candidates = new List<string> { Path.Combine(directory, name), Path.Combine(directory, name + ".gz") };
        foreach (var c in candidates) if (File.Exists(c)) return c;
        throw new FileNotFoundException($"'{directory}' has neither {name} nor {name}.gz.", candidates[1]);
    }
}

/// <summary>A deterministic synthetic 10-class set of 28 x 28 images, used when Fashion-MNIST is not available.</summary>
/// <remarks>Each class has a prototype drawn from the seed: three soft strokes (line segments blurred by a Gaussian of
/// width 1.5 pixels). An image is its class prototype shifted by up to 2 pixels each way, scaled in intensity by a
/// factor in [0.6, 1], with Gaussian pixel noise of standard deviation 0.15, clamped to [0, 1]. Same seed, same set.</remarks>
public static class SyntheticImages
{
    /// <summary>Generates <paramref name="count"/> images from <paramref name="seed"/>; the test split uses another
    /// sample stream of the same prototypes (<paramref name="stream"/> = 1).</summary>
    public static ImageSet Generate(int count, int seed, int stream = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var prototypes = Prototypes(seed);
        var rng = new Random(unchecked(seed * 1_000_003 + 17 + stream * 7919));
        var pixels = new float[count * ImageSet.Pixels];
        var labels = new byte[count];
        for (int n = 0; n < count; n++)
        {
            int c = rng.Next(ImageSet.Classes);
            labels[n] = (byte)c;
            int dx = rng.Next(-2, 3), dy = rng.Next(-2, 3);
            float scale = 0.6f + 0.4f * (float)rng.NextDouble();
            var image = pixels.AsSpan(n * ImageSet.Pixels, ImageSet.Pixels);
            for (int y = 0; y < 28; y++)
            {
                for (int x = 0; x < 28; x++)
                {
                    int sx = x - dx, sy = y - dy;
                    float v = sx is >= 0 and < 28 && sy is >= 0 and < 28 ? prototypes[c][sy * 28 + sx] * scale : 0f;
                    v += 0.15f * Gaussian(rng);
                    image[y * 28 + x] = Math.Clamp(v, 0f, 1f);
                }
            }
        }
        return new ImageSet(pixels, labels);
    }

    private static float[][] Prototypes(int seed)
    {
        var rng = new Random(seed);
        var result = new float[ImageSet.Classes][];
        for (int c = 0; c < ImageSet.Classes; c++)
        {
            var p = new float[ImageSet.Pixels];
            for (int s = 0; s < 3; s++)
            {
                double x0 = 5 + 18 * rng.NextDouble(), y0 = 5 + 18 * rng.NextDouble();
                double x1 = 5 + 18 * rng.NextDouble(), y1 = 5 + 18 * rng.NextDouble();
                for (int y = 0; y < 28; y++)
                {
                    for (int x = 0; x < 28; x++)
                    {
                        double d = DistanceToSegment(x, y, x0, y0, x1, y1);
                        p[y * 28 + x] = Math.Max(p[y * 28 + x], (float)Math.Exp(-d * d / (2 * 1.5 * 1.5)));
                    }
                }
            }
            result[c] = p;
        }
        return result;
    }

    private static double DistanceToSegment(double px, double py, double x0, double y0, double x1, double y1)
    {
        double vx = x1 - x0, vy = y1 - y0, len2 = vx * vx + vy * vy;
        double t = len2 == 0 ? 0 : Math.Clamp(((px - x0) * vx + (py - y0) * vy) / len2, 0, 1);
        double qx = x0 + t * vx - px, qy = y0 + t * vy - py;
        return Math.Sqrt(qx * qx + qy * qy);
    }

    private static float Gaussian(Random rng)
    {
        double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
        return (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }
}

/// <summary>Where the MLP problems get their images: Fashion-MNIST when a usable directory is there, else the
/// synthetic set. Loads once; a missing or malformed directory gives a message, not an exception.</summary>
public sealed class ImageDataSource
{
    private readonly string? _directory;
    private readonly int _seed;
    private (ImageSet Train, ImageSet Test, string Description)? _loaded;
    private bool _triedDirectory;

    /// <param name="directory">The --data directory, or null for the default.</param>
    /// <param name="seed">The seed of the synthetic fallback.</param>
    public ImageDataSource(string? directory, int seed)
    {
        _directory = directory ?? (Directory.Exists(FashionMnist.DefaultDirectory) ? FashionMnist.DefaultDirectory : null);
        _seed = seed;
    }

    /// <summary>Why Fashion-MNIST was not used, when it was not and a directory was given or found; else null.</summary>
    public string? Problem { get; private set; }

    /// <summary>Whether the images are Fashion-MNIST.</summary>
    public bool IsFashionMnist { get; private set; }

    /// <summary>Up to <paramref name="trainCount"/> training and <paramref name="testCount"/> test images, and a
    /// description of where they come from.</summary>
    public (ImageSet Train, ImageSet Test, string Description) Get(int trainCount, int testCount)
    {
        if (_loaded is null && !_triedDirectory)
        {
            _triedDirectory = true;
            if (_directory is not null)
            {
                try
                {
                    var train = FashionMnist.Load(_directory, "train");
                    var test = FashionMnist.Load(_directory, "t10k");
                    IsFashionMnist = true;
                    _loaded = (train, test, $"Fashion-MNIST from {_directory}");
                }
                catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
                {
                    Problem = $"Cannot use '{_directory}' as Fashion-MNIST: {e.Message} The MLP problems use the synthetic image set instead.";
                }
            }
        }
        if (_loaded is { } set) return (set.Train.Take(trainCount), set.Test.Take(testCount), set.Description);
        // Synthetic images are generated sequentially, so a smaller count is a prefix of a larger one.
        return (SyntheticImages.Generate(trainCount, _seed), SyntheticImages.Generate(testCount, _seed, stream: 1),
            $"synthetic 10-class 28x28 image set (seed {_seed}), because Fashion-MNIST is not available");
    }
}
