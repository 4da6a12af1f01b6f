using System.CommandLine;
using System.Text;
using Quell.Scanning;

namespace Quell.Cli;

/// <summary>`quell scan`: audits exported records offline, one JSON line of findings per input line.</summary>
public static class ScanCommand
{
    public static Command Create()
    {
        var input = new Option<FileInfo?>("--input") { Description = "JSONL file of {id, text, kind: input|output, tenant?, input?, system_prompt?, retrieved?, feature?}; stdin when absent" };
        var output = new Option<FileInfo?>("--output") { Description = "Where to write the findings; stdout when absent" };
        var noModel = new Option<bool>("--no-model") { Description = "Lexical passes only: no sentence-model stage for injection or paraphrased prompts (faster, flags more benign prompts)" };
        var command = new Command("scan", "Scan records for PII, secrets, canaries, cross-tenant documents, system-prompt leaks and prompt injection.") { input, output, noModel };
        command.SetAction(async (parse, ct) =>
        {
            var inputFile = parse.GetValue(input);
            if (inputFile is { Exists: false })
            {
                await Console.Error.WriteLineAsync($"quell scan: file '{inputFile.FullName}' does not exist").ConfigureAwait(false);
                return 2;
            }

            using var reader = inputFile is null ? new StreamReader(Console.OpenStandardInput(), Encoding.UTF8) : new StreamReader(inputFile.FullName, Encoding.UTF8);
            var outputFile = parse.GetValue(output);
            await using var writer = outputFile is null
                ? new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = false }
                : new StreamWriter(outputFile.FullName, false, new UTF8Encoding(false));
            var options = parse.GetValue(noModel)
                ? new ContentScannerOptions { InjectionModel = false, SystemPromptLeak = Scanning.Leaks.SystemPromptLeakOptions.Default with { Paraphrase = false } }
                : new ContentScannerOptions { InjectionModel = true, InjectionModelBand = Scanning.Injection.InjectionModelBand.Training };
            var code = ScanRecordProcessor.Run(reader, writer, new ContentScanner(options));
            await writer.FlushAsync(ct).ConfigureAwait(false);
            return code;
        });
        return command;
    }
}
