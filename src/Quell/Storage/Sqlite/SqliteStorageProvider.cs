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

namespace Quell.Storage.Sqlite;

/// <summary>Every store in one SQLite file (quell.db) of the data directory: zero set-up, one writer.</summary>
public sealed class SqliteStorageProvider : IStorageProvider
{
    private readonly SqliteCallLog _calls;
    private readonly SqliteIncidentStore _incidents;

    public SqliteStorageProvider(string dataDirectory, TimeProvider time)
    {
        Database = new SqliteDatabase(System.IO.Path.Combine(dataDirectory, "quell.db"));
        _calls = new SqliteCallLog(Database, time);
        _incidents = new SqliteIncidentStore(Database);
        QualityLog = new SqliteQualityLog(Database);
        Alerts = new SqliteAlertStore(Database);
        Changes = new SqliteChangeLog(Database);
        Cursors = new SqliteCursorStore(Database, time);
        Mitigations = new SqliteMitigationStore(Database);
        Canaries = new SqliteCanaryStore(Database, time);
        Evals = new SqliteEvalStore(Database);
        Postmortems = new SqlitePostmortemStore(Database);
        ApiKeys = new SqliteApiKeyStore(Database);
        Audit = new SqliteAuditStore(Database);
        IsolationProbes = new SqliteIsolationProbeStore(Database);
        ConsoleFigures = new SqliteConsoleFigures(Database);
    }

    /// <summary>The SQLite file itself, for tools that read it directly.</summary>
    public SqliteDatabase Database { get; }

    public string Name => "sqlite";

    public string Location => Database.Path;

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

    public void Dispose() => _calls.Dispose();
}
