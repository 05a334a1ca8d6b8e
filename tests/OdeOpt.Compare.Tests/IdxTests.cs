using System;
using System.IO;
using System.IO.Compression;
using OdeOpt.Compare.Data;
using Xunit;

namespace OdeOpt.Compare.Tests;

public sealed class IdxTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("odeopt-idx-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reads_what_it_writes_plain_and_gzip(bool gzip)
    {
        var data = new byte[3 * 28 * 28];
        for (int i = 0; i < data.Length; i++) data[i] = (byte)(i * 7);
        var file = PathOf(gzip ? "a.gz" : "a");
        Idx.Write(file, [3, 28, 28], data, gzip);
        var read = Idx.Read(file);
        Assert.Equal([3, 28, 28], read.Dimensions);
        Assert.Equal(data, read.Data);
    }

    [Fact]
    public void Wrong_magic_number_is_a_clear_error()
    {
        var file = PathOf("bad");
        File.WriteAllBytes(file, [0x12, 0x34, 0x08, 0x01, 0, 0, 0, 1, 5]);
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(file));
        Assert.Contains("wrong magic number 0x12340801", e.Message);
        Assert.Contains(file, e.Message);
    }

    [Fact]
    public void Unsupported_element_type_is_a_clear_error()
    {
        var file = PathOf("float");
        File.WriteAllBytes(file, [0, 0, 0x0D, 0x01, 0, 0, 0, 1, 0, 0, 0, 0]);
        Assert.Contains("element type 0x0d", Assert.Throws<InvalidDataException>(() => Idx.Read(file)).Message);
    }

    [Fact]
    public void Truncated_data_is_a_clear_error()
    {
        var file = PathOf("short.gz");
        Idx.Write(file, [10, 28, 28], new byte[10 * 28 * 28], gzip: true);
        var bytes = Decompress(file);
        File.WriteAllBytes(PathOf("short"), bytes.AsSpan(0, bytes.Length - 100).ToArray());
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(PathOf("short")));
        Assert.Contains("truncated", e.Message);
        Assert.Contains("10 x 28 x 28 = 7840", e.Message);
    }

    [Fact]
    public void Truncated_gzip_stream_is_a_clear_error()
    {
        var file = PathOf("cut.gz");
        var data = new byte[2000];
        new Random(3).NextBytes(data);
        Idx.Write(file, [2000], data, gzip: true);
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes.AsSpan(0, bytes.Length / 2).ToArray());
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(file));
        Assert.Contains(file, e.Message);
    }

    [Fact]
    public void Truncated_header_is_a_clear_error()
    {
        var file = PathOf("header");
        File.WriteAllBytes(file, [0, 0, 0x08, 0x03, 0, 0, 0, 1]);
        Assert.Contains("truncated header", Assert.Throws<InvalidDataException>(() => Idx.Read(file)).Message);
        File.WriteAllBytes(file, [0, 0]);
        Assert.Contains("too short", Assert.Throws<InvalidDataException>(() => Idx.Read(file)).Message);
    }

    [Fact]
    public void Extra_bytes_are_a_size_mismatch()
    {
        var file = PathOf("long");
        File.WriteAllBytes(file, [0, 0, 0x08, 0x01, 0, 0, 0, 2, 1, 2, 3]);
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(file));
        Assert.Contains("size mismatch", e.Message);
        Assert.Contains("1 extra", e.Message);
    }

    [Fact]
    public void Missing_file_is_a_clear_error() =>
        Assert.Contains("does not exist", Assert.Throws<FileNotFoundException>(() => Idx.Read(PathOf("nothing"))).Message);

    [Fact]
    public void Fashion_mnist_loader_checks_the_pair_of_files()
    {
        WriteSet(_dir, "train", 12, labelCount: 12, gzip: true);
        var set = FashionMnist.Load(_dir, "train");
        Assert.Equal(12, set.Count);
        Assert.Equal(12 * 784, set.Images.Length);
        Assert.All(set.Images, v => Assert.InRange(v, 0f, 1f));

        WriteSet(_dir, "t10k", 5, labelCount: 4, gzip: false);
        Assert.Contains("labels have dimensions 4", Assert.Throws<InvalidDataException>(() => FashionMnist.Load(_dir, "t10k")).Message);
        Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(_dir, "other"));
        Assert.Throws<DirectoryNotFoundException>(() => FashionMnist.Load(PathOf("none"), "train"));
    }

    [Fact]
    public void Data_source_falls_back_to_synthetic_images_with_a_message()
    {
        File.WriteAllText(PathOf("train-images-idx3-ubyte"), "not an idx file");
        var source = new ImageDataSource(_dir, seed: 1);
        var (train, _, description) = source.Get(20, 5);
        Assert.False(source.IsFashionMnist);
        Assert.Contains("Cannot use", source.Problem);
        Assert.Contains("synthetic", description);
        Assert.Equal(20, train.Count);
    }

    /// <summary>Writes a tiny Fashion-MNIST-shaped split.</summary>
    internal static void WriteSet(string dir, string split, int count, int labelCount, bool gzip)
    {
        var rng = new Random(count);
        var images = new byte[count * 784];
        rng.NextBytes(images);
        var labels = new byte[labelCount];
        for (int i = 0; i < labelCount; i++) labels[i] = (byte)(i % 10);
        string ext = gzip ? ".gz" : "";
        Idx.Write(Path.Combine(dir, $"{split}-images-idx3-ubyte{ext}"), [count, 28, 28], images, gzip);
        Idx.Write(Path.Combine(dir, $"{split}-labels-idx1-ubyte{ext}"), [labelCount], labels, gzip);
    }

    private static byte[] Decompress(string file)
    {
        using var gzip = new GZipStream(File.OpenRead(file), CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        gzip.CopyTo(buffer);
        return buffer.ToArray();
    }
}
