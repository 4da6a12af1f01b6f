using System.Buffers.Binary;
using System.Text;

namespace Quell.Telemetry;

/// <summary>
/// A minimal forward-only protobuf wire reader. Hand-written because OTLP decoding needs a handful of fields,
/// no generated code, no copies, and a precise byte offset when the payload is malformed.
/// </summary>
internal ref struct ProtoReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private readonly int _origin;
    private int _pos;

    public ProtoReader(ReadOnlySpan<byte> buffer, int origin = 0)
    {
        _buffer = buffer;
        _origin = origin;
        _pos = 0;
    }

    public readonly bool End => _pos >= _buffer.Length;

    public readonly int Position => _origin + _pos;

    public bool TryReadTag(out int field, out int wireType)
    {
        if (End)
        {
            field = 0;
            wireType = 0;
            return false;
        }

        var tag = ReadVarint();
        field = (int)(tag >> 3);
        wireType = (int)(tag & 7);
        if (field <= 0)
        {
            throw new ProtoFormatException($"invalid field number {field}", Position);
        }

        return true;
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_pos >= _buffer.Length)
            {
                throw new ProtoFormatException("truncated varint", Position);
            }

            var b = _buffer[_pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw new ProtoFormatException("varint longer than 10 bytes", Position);
    }

    public ulong ReadFixed64()
    {
        if (_buffer.Length - _pos < 8)
        {
            throw new ProtoFormatException("truncated fixed64", Position);
        }

        var v = BinaryPrimitives.ReadUInt64LittleEndian(_buffer[_pos..]);
        _pos += 8;
        return v;
    }

    public double ReadDouble() => BitConverter.Int64BitsToDouble((long)ReadFixed64());

    public ReadOnlySpan<byte> ReadBytes(out int start)
    {
        var length = ReadVarint();
        if (length > (ulong)(_buffer.Length - _pos))
        {
            throw new ProtoFormatException($"length {length} runs past the end of the message", Position);
        }

        start = Position;
        var slice = _buffer.Slice(_pos, (int)length);
        _pos += (int)length;
        return slice;
    }

    public ProtoReader ReadMessage()
    {
        var bytes = ReadBytes(out var start);
        return new ProtoReader(bytes, start);
    }

    public string ReadString()
    {
        var bytes = ReadBytes(out var start);
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            throw new ProtoFormatException("string field is not valid UTF-8", start);
        }

        return Encoding.UTF8.GetString(bytes);
    }

    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case 0:
                ReadVarint();
                break;
            case 1:
                Advance(8);
                break;
            case 2:
                ReadBytes(out _);
                break;
            case 5:
                Advance(4);
                break;
            default:
                throw new ProtoFormatException($"unsupported wire type {wireType}", Position);
        }
    }

    private void Advance(int n)
    {
        if (_buffer.Length - _pos < n)
        {
            throw new ProtoFormatException("truncated field", Position);
        }

        _pos += n;
    }
}

/// <summary>A protobuf payload that cannot be decoded, with the byte offset where decoding failed.</summary>
public sealed class ProtoFormatException(string message, long position) : FormatException(message)
{
    public long Position { get; } = position;
}
