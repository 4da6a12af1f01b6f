using System.CommandLine;
using System.Text.Json.Nodes;

namespace Quell.Cli;

/// <summary>`quell eval run|add-from-incident|verify|override`: eval suites against targets, regression cases and fix verification.</summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var command = new Command("eval", "Run eval suites, add an incident's calls as regression cases, verify fixes.");
        command.Subcommands.Add(Run());
        command.Subcommands.Add(AddFromIncident());
        command.Subcommands.Add(Verify());
        command.Subcommands.Add(Override());
        return command;
    }

    private static Command Run()
    {
        var suite = new Argument<string>("suite") { Description = "Suite id or name" };
        var server = ServerRequest.ServerOption();
        var target = new Option<string>("--target") { Description = "A configured target name or an OpenAI-compatible / app URL", Required = true };
        var kind = new Option<string?>("--kind") { Description = "openai (default) or http" };
        var model = new Option<string?>("--model") { Description = "Model name sent to an OpenAI-compatible target" };
        var template = new Option<string?>("--request-template") { Description = "For --kind http: JSON body with an {{input}} placeholder" };
        var path = new Option<string?>("--response-path") { Description = "For --kind http: dotted path of the answer in the response" };
        var command = new Command("run", "Run a suite against a target; results are recorded as eval results.") { suite, server, target, kind, model, template, path };
        command.SetAction((p, ct) => ServerRequest.SendAsync("eval run", p.GetValue(server)!, HttpMethod.Post, $"/api/v1/evals/suites/{ServerRequest.Esc(p.GetValue(suite))}/run", new JsonObject
        {
            ["target"] = p.GetValue(target),
            ["kind"] = p.GetValue(kind),
            ["model"] = p.GetValue(model),
            ["request_template"] = p.GetValue(template),
            ["response_path"] = p.GetValue(path),
        }.ToJsonString(), null, ct));
        return command;
    }

    private static Command AddFromIncident()
    {
        var id = new Argument<string>("id") { Description = "Incident id" };
        var server = ServerRequest.ServerOption();
        var calls = new Option<string[]>("--call") { Description = "Further call ids to add (repeatable)", AllowMultipleArgumentsPerToken = true };
        var reference = new Option<string?>("--reference") { Description = "For quality incidents: the graded good answer" };
        var rubric = new Option<string?>("--rubric") { Description = "For quality incidents: what the LLM judge checks" };
        var by = new Option<string>("--by") { Description = "Ignored by the server, which records the API key's name as the actor", DefaultValueFactory = _ => Environment.UserName };
        var command = new Command("add-from-incident", "Turn an incident's representative calls into regression cases, kept forever.") { id, server, calls, reference, rubric, by };
        command.SetAction((p, ct) => ServerRequest.SendAsync("eval add-from-incident", p.GetValue(server)!, HttpMethod.Post, $"/api/v1/incidents/{ServerRequest.Esc(p.GetValue(id))}/regression-cases", new JsonObject
        {
            ["call_ids"] = new JsonArray((p.GetValue(calls) ?? []).Select(c => (JsonNode?)c).ToArray()),
            ["reference"] = p.GetValue(reference),
            ["rubric"] = p.GetValue(rubric),
            ["by"] = p.GetValue(by),
        }.ToJsonString(), null, ct));
        return command;
    }

    private static Command Verify()
    {
        var id = new Argument<string>("id") { Description = "Incident id" };
        var server = ServerRequest.ServerOption();
        var target = new Option<string>("--target") { Description = "The fixed version: a configured target name or a URL", Required = true };
        var by = new Option<string>("--by") { Description = "Ignored by the server, which records the API key's name as the actor", DefaultValueFactory = _ => Environment.UserName };
        var command = new Command("verify", "Run an incident's regression cases against the fixed version.") { id, server, target, by };
        command.SetAction((p, ct) => ServerRequest.SendAsync("eval verify", p.GetValue(server)!, HttpMethod.Post, $"/api/v1/incidents/{ServerRequest.Esc(p.GetValue(id))}/verify", new JsonObject { ["target"] = p.GetValue(target), ["by"] = p.GetValue(by) }.ToJsonString(), null, ct));
        return command;
    }

    private static Command Override()
    {
        var id = new Argument<string>("id") { Description = "Incident id" };
        var server = ServerRequest.ServerOption();
        var reason = new Option<string>("--reason") { Description = "Why the fix ships without passing its regression cases", Required = true };
        var by = new Option<string>("--by") { Description = "Ignored by the server, which records the API key's name as the actor", DefaultValueFactory = _ => Environment.UserName };
        var command = new Command("override", "Let an incident leave fixing without passing cases; the reason goes on the timeline.") { id, server, reason, by };
        command.SetAction((p, ct) => ServerRequest.SendAsync("eval override", p.GetValue(server)!, HttpMethod.Post, $"/api/v1/incidents/{ServerRequest.Esc(p.GetValue(id))}/verification/override", new JsonObject { ["reason"] = p.GetValue(reason), ["by"] = p.GetValue(by) }.ToJsonString(), null, ct));
        return command;
    }
}
