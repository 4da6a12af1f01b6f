namespace Quell.Tests;

/// <summary>The checkout the tests run from: the first folder above the test binaries that holds Quell.slnx.</summary>
public static class Repository
{
    private static readonly Lazy<string> RootFolder = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Quell.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("cannot find the repository root (Quell.slnx) above the test binaries");
    });

    public static string Root => RootFolder.Value;
}
