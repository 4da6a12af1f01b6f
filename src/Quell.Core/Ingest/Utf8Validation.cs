namespace Quell.Ingest;

/// <summary>Finds the first invalid UTF-8 byte so an error can name it.</summary>
public static class Utf8Validation
{
    /// <summary>The offset of the first byte that is not valid UTF-8, or null when all are.</summary>
    public static long? InvalidUtf8At(ReadOnlySpan<byte> span)
    {
        if (System.Text.Unicode.Utf8.IsValid(span))
        {
            return null;
        }

        Span<char> scratch = stackalloc char[1024];
        var consumed = 0;
        while (consumed < span.Length)
        {
            var status = System.Text.Unicode.Utf8.ToUtf16(span[consumed..], scratch, out var read, out _, replaceInvalidSequences: false);
            consumed += read;
            if (status == System.Buffers.OperationStatus.InvalidData || status == System.Buffers.OperationStatus.NeedMoreData)
            {
                return consumed;
            }
        }

        return consumed;
    }

}
