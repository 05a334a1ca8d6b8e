using System;
using System.IO;
using System.IO.Compression;

namespace OdeOpt.Compare.Data;

/// <summary>An IDX array of unsigned bytes (the MNIST / Fashion-MNIST file format).</summary>
/// <param name="Dimensions">The sizes, outermost first.</param>
/// <param name="Data">The elements, row-major.</param>
public sealed record IdxArray(int[] Dimensions, byte[] Data);

/// <summary>Reads IDX files, gzip-compressed or plain.</summary>
/// <remarks>Format: two zero bytes, a type code (0x08 = unsigned byte, the only one supported here), the number of
/// dimensions, then one big-endian 32-bit size per dimension, then the elements.</remarks>
public static class Idx
{
    /// <summary>Reads the IDX file at <paramref name="path"/> (gzip when it starts with the gzip magic 1f 8b).</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not an IDX file of unsigned bytes, truncated, longer than its header says,
    /// or a corrupt gzip stream.</exception>
    public static IdxArray Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX file '{path}' does not exist.", path);
        byte[] raw = File.ReadAllBytes(path);
        byte[] bytes;
        if (raw.Length >= 2 && raw[0] == 0x1f && raw[1] == 0x8b)
        {
            try
            {
                using var gzip = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
                using var buffer = new MemoryStream();
                gzip.CopyTo(buffer);
                bytes = buffer.ToArray();
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"'{path}': corrupt gzip stream ({e.Message}).", e);
            }
        }
        else bytes = raw;
        return Parse(bytes, path);
    }

    /// <summary>Parses an uncompressed IDX image held in memory.</summary>
    /// <param name="bytes">The file contents.</param>
    /// <param name="source">A name for error messages.</param>
    /// <exception cref="InvalidDataException">See <see cref="Read"/>.</exception>
    public static IdxArray Parse(byte[] bytes, string source)
    {
        if (bytes.Length < 4)
            throw new InvalidDataException($"'{source}': {bytes.Length} bytes is too short for an IDX header (4-byte magic number).");
        if (bytes[0] != 0 || bytes[1] != 0)
            throw new InvalidDataException($"'{source}': wrong magic number 0x{bytes[0]:x2}{bytes[1]:x2}{bytes[2]:x2}{bytes[3]:x2}; an IDX file starts with two zero bytes, a type code and the number of dimensions (0x00000803 for images, 0x00000801 for labels).");
        if (bytes[2] != 0x08)
            throw new InvalidDataException($"'{source}': element type 0x{bytes[2]:x2} is not supported; only unsigned bytes (0x08) are.");
        int rank = bytes[3];
        if (rank is < 1 or > 4)
            throw new InvalidDataException($"'{source}': {rank} dimensions; expected 1 to 4.");
        int header = 4 + 4 * rank;
        if (bytes.Length < header)
            throw new InvalidDataException($"'{source}': truncated header: {rank} dimension sizes need {header} bytes, the file has {bytes.Length}.");
        var dims = new int[rank];
        long count = 1;
        for (int d = 0; d < rank; d++)
        {
            int o = 4 + 4 * d;
            long size = ((long)bytes[o] << 24) | ((long)bytes[o + 1] << 16) | ((long)bytes[o + 2] << 8) | bytes[o + 3];
            if (size > int.MaxValue)
                throw new InvalidDataException($"'{source}': dimension {d} has size {size}, too large.");
            dims[d] = (int)size;
            count *= size;
        }
        long available = bytes.Length - header;
        if (available < count)
            throw new InvalidDataException($"'{source}': truncated: the header declares {string.Join(" x ", dims)} = {count} bytes of data, the file holds {available}.");
        if (available > count)
            throw new InvalidDataException($"'{source}': size mismatch: the header declares {string.Join(" x ", dims)} = {count} bytes of data, the file holds {available} ({available - count} extra).");
        var data = new byte[count];
        Array.Copy(bytes, header, data, 0, count);
        return new IdxArray(dims, data);
    }

    /// <summary>Writes an IDX file of unsigned bytes (gzip-compressed when <paramref name="gzip"/>): for tests and tools.</summary>
    public static void Write(string path, int[] dimensions, byte[] data, bool gzip)
    {
        using var file = File.Create(path);
        using Stream stream = gzip ? new GZipStream(file, CompressionLevel.Fastest) : file;
        stream.Write([0, 0, 0x08, (byte)dimensions.Length]);
        foreach (var d in dimensions) stream.Write([(byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d]);
        stream.Write(data);
    }
}
