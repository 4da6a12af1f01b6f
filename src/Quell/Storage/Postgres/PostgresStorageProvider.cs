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
using Quell.Server.Storage;
using Quell.WebConsole;

namespace Quell.Storage.Postgres;

/// <summary>Every store in one PostgreSQL database, which several Quell instances may share.</summary>
public sealed class PostgresStorageProvider : IStorageProvider
{
    private readonly PostgresCallLog _calls;
    private readonly PostgresIncidentStore _incidents;
    private int _disposed;

    public PostgresStorageProvider(string connectionString, TimeProvider time, TimeSpan? outboxClaimLease = null)
    {
        Database = new PostgresDatabase(connectionString);
        _calls = new PostgresCallLog(Database, time);
        _incidents = new PostgresIncidentStore(Database, outboxClaimLease);
        QualityLog = new PostgresQualityLog(Database);
        Alerts = new PostgresAlertStore(Database);
        Changes = new PostgresChangeLog(Database);
        Cursors = new PostgresCursorStore(Database, time);
        Mitigations = new PostgresMitigationStore(Database);
        Canaries = new PostgresCanaryStore(Database, time);
        Evals = new PostgresEvalStore(Database);
        Postmortems = new PostgresPostmortemStore(Database);
        ApiKeys = new PostgresApiKeyStore(Database);
        Audit = new PostgresAuditStore(Database);
        IsolationProbes = new PostgresIsolationProbeStore(Database);
        ConsoleFigures = new PostgresConsoleFigures(Database);
    }

    public PostgresDatabase Database { get; }

    public string Name => "postgresql";

    public string Location => Database.Location;

    public ICallLog CallLog => _calls;

    public IQualityLog QualityLog { get; }

    public IAlertStore Alerts { get; }

    public IChangeLog Changes { get; }

    public ICursorStore Cursors { get; }

    public IIncidentStore Incidents => _incidents;

    public INotificationOutbox Outbox => _incidents;

    public IMitigationStore Mitigations { get; }

    public ICanaryStore Canaries { get; }

    public IEvalStore Evals { get; }

    public IPostmortemStore Postmortems { get; }

    public IApiKeyStore ApiKeys { get; }

    public IAuditStore Audit { get; }

    public IIsolationProbeStore IsolationProbes { get; }

    public IConsoleFigures ConsoleFigures { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _calls.Dispose();
        Database.Dispose();
    }
}
