using System.Net.Sockets;
using Quell.Configuration;
using Quell.Server.Storage;
using Quell.Yaml;

namespace Quell.Cli;

/// <summary>
/// Turns the failures a user can cause or fix (bad config, port in use, server down, missing file) into one line
/// saying what is wrong and what to do, and a documented exit code. Anything else is a bug and keeps its stack trace.
/// </summary>
public sealed record CliFailure(int ExitCode, string Message)
{
    /// <summary>The command finished but refused some input (rejected records, a refused request).</summary>
    public const int Refused = 1;

    /// <summary>Bad usage or configuration: a missing file, an invalid quell.yaml value.</summary>
    public const int BadConfiguration = 2;

    /// <summary>The Quell server could not be reached or did not answer in time.</summary>
    public const int Unreachable = 3;

    /// <summary>What was asked for does not exist on the server.</summary>
    public const int NotFound = 4;

    /// <summary>The server cannot listen: address in use or not allowed.</summary>
    public const int CannotListen = 5;

    /// <summary>Stopped by Ctrl+C or SIGTERM.</summary>
    public const int Interrupted = 130;

    public static CliFailure? From(Exception ex, string verb) => ex switch
    {
        ConfigException config => new(BadConfiguration, $"{verb}: {config.Message}{Environment.NewLine}{verb}: fix the values above in the config file and run again"),
        IOException io when Find<SocketException>(io) is { SocketErrorCode: SocketError.AddressAlreadyInUse } || io.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase) =>
            new(CannotListen, $"{verb}: cannot listen: {FirstLine(io.Message)}; stop the process using that port or choose another with --urls"),
        IOException io when Find<SocketException>(io) is { SocketErrorCode: SocketError.AccessDenied } =>
            new(CannotListen, $"{verb}: cannot listen: {FirstLine(io.Message)}; ports below 1024 need privileges, choose another with --urls"),
        Server.Storage.StorageOpenException storage => new(BadConfiguration, $"{verb}: {FirstLine(storage.Message)}; check --postgres (or QUELL_POSTGRES) and that the server accepts connections"),
        HttpRequestException http => new(Unreachable, $"{verb}: cannot reach the Quell server: {FirstLine(http.Message)}; start it with `quell serve` or point --server (or QUELL_SERVER) at it"),
        TaskCanceledException { InnerException: TimeoutException } => new(Unreachable, $"{verb}: the Quell server did not answer in time; check that it is running and not overloaded, then retry"),
        OperationCanceledException => new(Interrupted, $"{verb}: interrupted"),
        FileNotFoundException file => new(BadConfiguration, $"{verb}: file '{file.FileName}' does not exist"),
        DirectoryNotFoundException dir => new(BadConfiguration, $"{verb}: {FirstLine(dir.Message)}"),
        UnauthorizedAccessException denied => new(BadConfiguration, $"{verb}: {FirstLine(denied.Message)}; check the file or directory permissions"),
        UriFormatException uri => new(BadConfiguration, $"{verb}: {FirstLine(uri.Message)}; give --server as an absolute URL such as http://127.0.0.1:4318"),
        _ => null,
    };

    private static T? Find<T>(Exception? ex)
        where T : Exception
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is T t)
            {
                return t;
            }
        }

        return null;
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim().TrimEnd('.');
}
