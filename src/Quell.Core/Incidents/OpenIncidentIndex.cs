using Quell.Response;

namespace Quell.Incidents;

/// <summary>
/// The incidents not yet closed, keyed the ways alert intake looks them up — by id, by alert fingerprint, by group
/// key, vendor outages, and the resolved ones recurrence compares with — so that taking in an alert costs the same
/// with ten or ten thousand incidents open.
/// </summary>
public sealed class OpenIncidentIndex
{
    private readonly Dictionary<string, Incident> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _byFingerprint = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _byGroupKey = new(StringComparer.Ordinal);
    private readonly HashSet<string> _outages = new(StringComparer.Ordinal);
    private readonly HashSet<string> _resolved = new(StringComparer.Ordinal);

    public int Count => _byId.Count;

    /// <summary>Every incident held, in no particular order.</summary>
    public IEnumerable<Incident> All => _byId.Values;

    public static OpenIncidentIndex Of(IEnumerable<Incident> incidents)
    {
        var index = new OpenIncidentIndex();
        foreach (var incident in incidents)
        {
            index.Set(incident);
        }

        return index;
    }

    public Incident? Get(string id) => _byId.GetValueOrDefault(id);

    /// <summary>Adds or replaces an incident; a closed one leaves the index.</summary>
    public void Set(Incident incident)
    {
        Remove(incident.Id);
        if (incident.State == IncidentState.Closed)
        {
            return;
        }

        _byId[incident.Id] = incident;
        foreach (var alert in incident.Alerts)
        {
            Add(_byFingerprint, alert.Fingerprint, incident.Id);
        }

        Add(_byGroupKey, incident.GroupKey, incident.Id);
        if (incident.VendorOutage)
        {
            _outages.Add(incident.Id);
        }

        if (incident.State is IncidentState.Monitoring or IncidentState.Postmortem)
        {
            _resolved.Add(incident.Id);
        }
    }

    public void Remove(string id)
    {
        if (!_byId.Remove(id, out var old))
        {
            return;
        }

        foreach (var alert in old.Alerts)
        {
            Drop(_byFingerprint, alert.Fingerprint, id);
        }

        Drop(_byGroupKey, old.GroupKey, id);
        _outages.Remove(id);
        _resolved.Remove(id);
    }

    /// <summary>Incidents holding an alert with this fingerprint.</summary>
    public IEnumerable<Incident> WithFingerprint(string fingerprint) => Lookup(_byFingerprint, fingerprint);

    /// <summary>Incidents with this group key.</summary>
    public IEnumerable<Incident> InGroup(string groupKey) => Lookup(_byGroupKey, groupKey);

    /// <summary>Vendor outage incidents.</summary>
    public IEnumerable<Incident> Outages => _outages.Select(id => _byId[id]);

    /// <summary>Resolved incidents still watched (monitoring or post-mortem): what a new alert may be a recurrence of.</summary>
    public IReadOnlyList<Incident> Resolved => [.. _resolved.Select(id => _byId[id])];

    private IEnumerable<Incident> Lookup(Dictionary<string, HashSet<string>> map, string key) =>
        map.TryGetValue(key, out var ids) ? ids.Select(id => _byId[id]) : [];

    private static void Add(Dictionary<string, HashSet<string>> map, string key, string id)
    {
        if (!map.TryGetValue(key, out var ids))
        {
            map[key] = ids = new HashSet<string>(StringComparer.Ordinal);
        }

        ids.Add(id);
    }

    private static void Drop(Dictionary<string, HashSet<string>> map, string key, string id)
    {
        if (map.TryGetValue(key, out var ids) && ids.Remove(id) && ids.Count == 0)
        {
            map.Remove(key);
        }
    }
}
