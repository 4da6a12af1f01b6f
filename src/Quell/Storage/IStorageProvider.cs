using Quell.Evals;
using Quell.Incidents;
using Quell.Isolation;
using Quell.Mitigations;
using Quell.Notifications;
using Quell.Postmortems;
using Quell.Scanning.Canaries;
using Quell.Security;
using Quell.Server.Evals;
using Quell.Server.Postmortems;
using Quell.Storage;
using Quell.WebConsole;

namespace Quell.Server.Storage;

/// <summary>
/// One database behind every store Quell keeps: SQLite in a data directory by default, PostgreSQL for scale-out.
/// A provider applies its own versioned migrations when it opens and owns the connections its stores use.
/// </summary>
public interface IStorageProvider : IDisposable
{
    /// <summary>"sqlite" or "postgresql".</summary>
    string Name { get; }

    /// <summary>Where the data lives, for the start-up line (a file path, or host and database without the password).</summary>
    string Location { get; }

    ICallLog CallLog { get; }

    IQualityLog QualityLog { get; }

    IAlertStore Alerts { get; }

    IChangeLog Changes { get; }

    ICursorStore Cursors { get; }

    IIncidentStore Incidents { get; }

    INotificationOutbox Outbox { get; }

    IMitigationStore Mitigations { get; }

    ICanaryStore Canaries { get; }

    IEvalStore Evals { get; }

    IPostmortemStore Postmortems { get; }

    IApiKeyStore ApiKeys { get; }

    IAuditStore Audit { get; }

    IIsolationProbeStore IsolationProbes { get; }

    IConsoleFigures ConsoleFigures { get; }
}
