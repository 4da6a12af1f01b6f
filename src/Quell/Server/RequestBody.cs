using System.Buffers;
using System.IO.Compression;

namespace Quell.Server;

/// <summary>Reads a request body into memory under a cap that holds after decompression, so a gzip bomb stops at the cap.</summary>
public static class RequestBody
{
    /// <summary>The body, or an HTTP status and message saying why it was refused.</summary>
    public readonly record struct Result(byte[]? Bytes, int Length, int Status, string? Error)
    {
        public ReadOnlyMemory<byte> Memory => Bytes.AsMemory(0, Length);

        public void Return()
        {
            if (Bytes is not null)
            {
                ArrayPool<byte>.Shared.Return(Bytes);
            }
        }
    }

    public static async Task<Result> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
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

        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(request.ContentLength ?? 64 * 1024, 4096, maxBytes + 1));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length > maxBytes)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        return new Result(null, 0, StatusCodes.Status413PayloadTooLarge, $"body exceeds the {maxBytes}-byte limit after decompression");
                    }

                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, maxBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
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
                    ArrayPool<byte>.Shared.Return(buffer);
                    return new Result(null, 0, StatusCodes.Status413PayloadTooLarge, $"body exceeds the {maxBytes}-byte limit{(source == request.Body ? string.Empty : " after decompression")}");
                }
            }

            return new Result(buffer, length, StatusCodes.Status200OK, null);
        }
        catch (InvalidDataException ex)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return new Result(null, 0, StatusCodes.Status400BadRequest, $"body is not valid {encoding}: {ex.Message}");
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return new Result(null, 0, StatusCodes.Status413PayloadTooLarge, "body exceeds the server's request size limit");
        }
        finally
        {
            if (source != request.Body)
            {
                await source.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
