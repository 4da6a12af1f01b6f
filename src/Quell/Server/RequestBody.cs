using System.Buffers;
using System.IO.Compression;

namespace Quell.Server;

/// <summary>Reads a request body into memory under a cap that holds after decompression, so a gzip bomb stops at the cap.</summary>
public static class RequestBody
{
    /// <summary>Bodies up to this size use pooled buffers; larger ones are plain arrays the GC gives back after a burst.</summary>
    private const int PooledLimit = 1024 * 1024;

    /// <summary>The body, or an HTTP status and message saying why it was refused.</summary>
    public readonly record struct Result(byte[]? Bytes, int Length, int Status, string? Error, bool Owned = true)
    {
        public ReadOnlyMemory<byte> Memory => Bytes.AsMemory(0, Length);

        /// <summary>Gives a pooled buffer back; a body buffered by <see cref="BodyAdmission"/> is returned there instead.</summary>
        public void Return()
        {
            if (Owned)
            {
                Release(Bytes);
            }
        }
    }

    /// <summary>The body <see cref="BodyAdmission"/> already read for this request, or a fresh read.</summary>
    public static Task<Result> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        if (request.HttpContext.Features.Get<BufferedBody>() is { } buffered)
        {
            return Task.FromResult(new Result(buffered.Bytes, buffered.Length, StatusCodes.Status200OK, null, Owned: false));
        }

        return ReadAsync(request, maxBytes, grow: null, cancellationToken);
    }

    /// <summary>Reads the whole body; <paramref name="grow"/> is asked before the buffer grows by the given bytes.</summary>
    public static async Task<Result> ReadAsync(HttpRequest request, long maxBytes, Func<long, bool>? grow, CancellationToken cancellationToken)
    {
        var encoding = request.Headers.ContentEncoding.ToString().Trim().ToLowerInvariant();
        Stream source = request.Body;
        switch (encoding)
        {
            case "" or "identity":
                if (request.ContentLength > maxBytes)
                {
                    return new Result(null, 0, StatusCodes.Status413PayloadTooLarge, $"body of {request.ContentLength} bytes exceeds the {maxBytes}-byte limit");
                }

                break;
            case "gzip" or "x-gzip":
                source = new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true);
                break;
            case "deflate":
                source = new ZLibStream(request.Body, CompressionMode.Decompress, leaveOpen: true);
                break;
            case "br":
                source = new BrotliStream(request.Body, CompressionMode.Decompress, leaveOpen: true);
                break;
            default:
                return new Result(null, 0, StatusCodes.Status415UnsupportedMediaType, $"Content-Encoding '{encoding}' is not supported; use gzip, deflate, br or none");
        }

        var identity = source == request.Body;
        var buffer = Rent((int)Math.Clamp(identity ? (request.ContentLength ?? 64 * 1024) + 1 : 64 * 1024, 4096, maxBytes + 1));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length > maxBytes)
                    {
                        Release(buffer);
                        return new Result(null, 0, StatusCodes.Status413PayloadTooLarge, $"body exceeds the {maxBytes}-byte limit after decompression");
                    }

                    var size = (int)Math.Min((long)buffer.Length * 2, maxBytes + 1);
                    if (grow is not null && !grow(size - buffer.Length))
                    {
                        Release(buffer);
                        return new Result(null, 0, StatusCodes.Status503ServiceUnavailable, "the server holds as many request bytes as it allows; retry later");
                    }

                    var bigger = Rent(size);
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    Release(buffer);
                    buffer = bigger;
                }

                var read = await source.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > maxBytes)
                {
                    Release(buffer);
                    return new Result(null, 0, StatusCodes.Status413PayloadTooLarge, $"body exceeds the {maxBytes}-byte limit{(identity ? string.Empty : " after decompression")}");
                }
            }

            return new Result(buffer, length, StatusCodes.Status200OK, null);
        }
        catch (InvalidDataException ex)
        {
            Release(buffer);
            return new Result(null, 0, StatusCodes.Status400BadRequest, $"body is not valid {encoding}: {ex.Message}");
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException ex)
        {
            Release(buffer);
            return ex.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? new Result(null, 0, StatusCodes.Status413PayloadTooLarge, "body exceeds the server's request size limit")
                : new Result(null, 0, ex.StatusCode, $"the request body could not be read: {ex.Message}");
        }
        finally
        {
            if (!identity)
            {
                await source.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    internal static byte[] Rent(int size) => size <= PooledLimit ? ArrayPool<byte>.Shared.Rent(size) : GC.AllocateUninitializedArray<byte>(size);

    internal static void Release(byte[]? buffer)
    {
        if (buffer is not null && buffer.Length <= PooledLimit)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>A request body read once by <see cref="BodyAdmission"/> and shared with the endpoint.</summary>
public sealed class BufferedBody(byte[] bytes, int length)
{
    public byte[] Bytes { get; } = bytes;

    public int Length { get; } = length;
}
