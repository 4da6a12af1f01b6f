namespace Quell.Detection;

/// <summary>The last five call ids that showed a symptom, kept without allocation per call.</summary>
internal sealed class ExampleRing
{
    private readonly string[] _ids = new string[5];
    private int _next;
    private int _count;

    public void Add(string id)
    {
        _ids[_next] = id;
        _next = (_next + 1) % _ids.Length;
        _count = Math.Min(_count + 1, _ids.Length);
    }

    /// <summary>Most recent first.</summary>
    public IReadOnlyList<string> Snapshot()
    {
        var result = new string[_count];
        for (var i = 0; i < _count; i++)
        {
            result[i] = _ids[(_next - 1 - i + (2 * _ids.Length)) % _ids.Length];
        }

        return result;
    }
}
