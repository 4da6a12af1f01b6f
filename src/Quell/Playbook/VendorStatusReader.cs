using System.Text.Json;
using Quell.Configuration;
using Quell.Investigation;

namespace Quell.Server.Playbook;

/// <summary>Reads vendors' Statuspage-style status endpoints (<c>/api/v2/status.json</c>: status.indicator, status.description).</summary>
public sealed class VendorStatusReader(PlaybookConfig config, HttpClient http)
{
    public async Task<IReadOnlyList<VendorStatus>> ReadAllAsync(CancellationToken cancellationToken = default)
    {
        var tasks = config.VendorStatus.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => ReadAsync(p.Key, p.Value, cancellationToken));
        return await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    public async Task<VendorStatus> ReadAsync(string vendor, string url, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            using var response = await http.GetAsync(new Uri(url), timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return new VendorStatus(vendor, "unknown", $"status page answered {(int)response.StatusCode}", url);
            }

            using var doc = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false), default, timeout.Token).ConfigureAwait(false);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.Object)
            {
                var indicator = status.TryGetProperty("indicator", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString()! : "unknown";
                var description = status.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : indicator;
                return new VendorStatus(vendor, indicator, description, url);
            }

            return new VendorStatus(vendor, "unknown", "no status.indicator in the answer", url);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or OperationCanceledException or UriFormatException or Polly.Timeout.TimeoutRejectedException)
        {
            return new VendorStatus(vendor, "unknown", $"unreachable: {ex.Message}", url);
        }
    }
}
