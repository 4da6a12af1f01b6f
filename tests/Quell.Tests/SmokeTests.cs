using Quell.Calls;

namespace Quell.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void ErrorTypes_Normalize_Maps429()
    {
        Assert.Equal(ErrorTypes.RateLimited, ErrorTypes.Normalize("429"));
        Assert.Equal(ErrorTypes.ServerError, ErrorTypes.Normalize("503"));
    }
}
