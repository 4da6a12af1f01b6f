using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Quell.Cli;

/// <summary>`quell keys create|list|revoke` and `quell audit`: API keys and the audit log (an admin key is needed).</summary>
public static class KeysCommand
{
    public static Command Create()
    {
        var command = new Command("keys", "Create, list and revoke API keys (needs an admin key).");
        command.Subcommands.Add(CreateKey());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Revoke());
        return command;
    }

    public static Command Audit()
    {
        var server = ServerRequest.ServerOption();
        var actor = new Option<string?>("--actor") { Description = "Only requests of this key name" };
        var since = new Option<string?>("--since") { Description = "Only requests at or after this RFC 3339 time" };
        var limit = new Option<int>("--limit") { Description = "Most entries, newest first", DefaultValueFactory = _ => 100 };
        var json = new Option<bool>("--json") { Description = "Print the server's JSON" };
        var command = new Command("audit", "Show the audit log of mutating requests (needs an admin key).") { server, actor, since, limit, json };
        command.SetAction((p, ct) =>
        {
            var query = new List<string> { $"limit={p.GetValue(limit).ToString(CultureInfo.InvariantCulture)}" };
            if (p.GetValue(actor) is { } a)
            {
                query.Add($"actor={ServerRequest.Esc(a)}");
            }

            if (p.GetValue(since) is { } s)
            {
                query.Add($"since={ServerRequest.Esc(s)}");
            }

            return ServerRequest.SendAsync("audit", p.GetValue(server)!, HttpMethod.Get, "/api/v1/audit?" + string.Join('&', query), null, p.GetValue(json) ? null : RenderAudit, ct);
        });
        return command;
    }

    private static Command CreateKey()
    {
        var server = ServerRequest.ServerOption();
        var name = new Argument<string>("name") { Description = "Who the key acts for (recorded as the actor), e.g. alice or ingest-acme" };
        var scopes = new Option<string[]>("--scope") { Description = "ingest, read, read:content, respond, mitigate or admin (repeat for several)", Required = true, AllowMultipleArgumentsPerToken = true };
        var tenant = new Option<string?>("--tenant") { Description = "Pin an ingest key to this tenant" };
        var readTenants = new Option<string[]>("--read-tenant") { Description = "Limit reading to these tenants (repeat for several)", AllowMultipleArgumentsPerToken = true };
        var command = new Command("create", "Create a key; its secret is printed once.") { name, server, scopes, tenant, readTenants };
        command.SetAction((p, ct) =>
        {
            var body = new JsonObject
            {
                ["name"] = p.GetValue(name),
                ["scopes"] = new JsonArray([.. (p.GetValue(scopes) ?? []).Select(s => (JsonNode?)JsonValue.Create(s))]),
                ["tenant"] = p.GetValue(tenant),
                ["read_tenants"] = new JsonArray([.. (p.GetValue(readTenants) ?? []).Select(s => (JsonNode?)JsonValue.Create(s))]),
            };
            return ServerRequest.SendAsync("keys create", p.GetValue(server)!, HttpMethod.Post, "/api/v1/keys", body.ToJsonString(), json =>
            {
                var root = JsonDocument.Parse(json).RootElement;
                var key = root.GetProperty("key");
                return $"{root.GetProperty("secret").GetString()}\n" +
                    $"created {key.GetProperty("id").GetString()} '{key.GetProperty("name").GetString()}' with {string.Join(", ", key.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()))}; " +
                    "the secret above is shown only now";
            }, ct);
        });
        return command;
    }

    private static Command List()
    {
        var server = ServerRequest.ServerOption();
        var json = new Option<bool>("--json") { Description = "Print the server's JSON" };
        var command = new Command("list", "List keys (never their secrets).") { server, json };
        command.SetAction((p, ct) => ServerRequest.SendAsync("keys list", p.GetValue(server)!, HttpMethod.Get, "/api/v1/keys", null, p.GetValue(json) ? null : RenderKeys, ct));
        return command;
    }

    private static Command Revoke()
    {
        var server = ServerRequest.ServerOption();
        var id = new Argument<string>("id") { Description = "The key's id (key_…), from quell keys list" };
        var command = new Command("revoke", "Revoke a key; its next request is refused.") { id, server };
        command.SetAction((p, ct) => ServerRequest.SendAsync("keys revoke", p.GetValue(server)!, HttpMethod.Delete, $"/api/v1/keys/{ServerRequest.Esc(p.GetValue(id))}", null, _ => $"revoked {p.GetValue(id)}", ct));
        return command;
    }

    private static string RenderKeys(string json)
    {
        var lines = JsonDocument.Parse(json).RootElement.EnumerateArray().Select(k =>
            string.Join("  ", [
                S(k, "id"),
                S(k, "prefix") + "…",
                S(k, "name"),
                string.Join(",", k.GetProperty("scopes").EnumerateArray().Select(s => s.GetString())),
                k.TryGetProperty("tenant", out var t) ? $"tenant={t.GetString()}" : string.Empty,
                k.TryGetProperty("read_tenants", out var r) ? $"reads={string.Join(",", r.EnumerateArray().Select(x => x.GetString()))}" : string.Empty,
                k.GetProperty("active").GetBoolean() ? "active" : $"revoked {S(k, "revoked_at")}",
            ]));
        return string.Join('\n', lines);
    }

    private static string RenderAudit(string json) =>
        string.Join('\n', JsonDocument.Parse(json).RootElement.EnumerateArray().Select(e =>
            $"{S(e, "at")}  {S(e, "actor")}  {S(e, "method")} {S(e, "path")}  {e.GetProperty("status").GetInt32()}  {S(e, "remote_address")}"));

    private static string S(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? string.Empty : string.Empty;
}
