using Dapper;
using Microsoft.Data.Sqlite;

namespace Quell.Storage.Sqlite;

/// <summary>Versioned schema migrations for SQLite, applied in order inside one transaction each.</summary>
public static class SqliteMigrations
{
    public static IReadOnlyList<(int Version, string Name, string Sql)> All { get; } =
    [
        // The calls table's columns come from the call schema; fields added later are added by AddMissingColumns.
        (1, "calls log and cursors", SqliteCallColumns.CreateTableSql + """

            CREATE INDEX ix_calls_ts ON calls(ts);
            CREATE INDEX ix_calls_feature_ts ON calls(feature, ts);
            CREATE INDEX ix_calls_trace ON calls(trace_id);
            CREATE TABLE cursors (
                consumer TEXT PRIMARY KEY,
                seq INTEGER NOT NULL,
                updated_at INTEGER NOT NULL
            );
            """),
        (2, "changes, eval results, feedback, alerts", """
            CREATE TABLE changes (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                ts INTEGER NOT NULL,
                kind TEXT NOT NULL,
                scope TEXT NOT NULL,
                description TEXT, author TEXT, from_value TEXT, to_value TEXT
            );
            CREATE INDEX ix_changes_ts ON changes(ts);
            CREATE TABLE eval_results (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                ts INTEGER NOT NULL,
                suite TEXT NOT NULL, case_id TEXT NOT NULL, passed INTEGER NOT NULL, score REAL,
                feature TEXT, model TEXT, model_version TEXT, prompt_version TEXT
            );
            CREATE INDEX ix_eval_results_suite ON eval_results(suite, ts);
            CREATE TABLE feedback (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                ts INTEGER NOT NULL,
                call_id TEXT NOT NULL, thumbs_up INTEGER, score REAL, comment TEXT,
                feature TEXT, model TEXT, model_version TEXT, prompt_version TEXT, tenant TEXT
            );
            CREATE TABLE alerts (
                id TEXT PRIMARY KEY,
                fingerprint TEXT NOT NULL,
                category TEXT NOT NULL,
                signal TEXT NOT NULL,
                state TEXT NOT NULL,
                fired_at INTEGER NOT NULL,
                onset INTEGER NOT NULL,
                resolved_at INTEGER,
                body TEXT NOT NULL
            );
            CREATE INDEX ix_alerts_fired ON alerts(fired_at);
            CREATE INDEX ix_alerts_fingerprint ON alerts(fingerprint);
            """),
        (3, "scanner findings on calls", """
            CREATE TABLE canaries (
                token TEXT PRIMARY KEY,
                tenant TEXT NOT NULL,
                placement TEXT NOT NULL,
                created_at INTEGER NOT NULL
            );
            """),
        (4, "tenant isolation probe results", """
            CREATE TABLE isolation_probe_results (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                ts INTEGER NOT NULL,
                tenant TEXT NOT NULL,
                prompt TEXT NOT NULL,
                passed INTEGER NOT NULL,
                leaked_from TEXT,
                evidence TEXT,
                status_code INTEGER,
                error TEXT,
                latency_ms REAL NOT NULL
            );
            CREATE INDEX ix_isolation_probe_results_ts ON isolation_probe_results(ts);
            """),
        (50, "api keys", """
            CREATE TABLE api_keys (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                prefix TEXT NOT NULL,
                hash TEXT NOT NULL UNIQUE,
                scopes TEXT NOT NULL,
                tenant TEXT,
                read_tenants TEXT,
                created_at INTEGER NOT NULL,
                created_by TEXT,
                revoked_at INTEGER,
                revoked_by TEXT
            );
            """),
        (51, "audit log", """
            CREATE TABLE audit_log (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                at INTEGER NOT NULL,
                key_id TEXT,
                actor TEXT NOT NULL,
                method TEXT NOT NULL,
                path TEXT NOT NULL,
                route TEXT,
                status INTEGER NOT NULL,
                remote TEXT,
                user_agent TEXT
            );
            CREATE INDEX ix_audit_log_actor ON audit_log(actor, seq);
            """),
        (10, "incidents, timeline and silences", """
            CREATE TABLE incidents (
                id TEXT PRIMARY KEY,
                state TEXT NOT NULL,
                severity TEXT NOT NULL,
                category TEXT NOT NULL,
                detected_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                body TEXT NOT NULL
            );
            CREATE INDEX ix_incidents_state ON incidents(state);
            CREATE INDEX ix_incidents_detected ON incidents(detected_at);
            CREATE TABLE incident_timeline (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                incident_id TEXT NOT NULL,
                at INTEGER NOT NULL,
                kind TEXT NOT NULL,
                actor TEXT NOT NULL,
                message TEXT NOT NULL,
                data TEXT
            );
            CREATE INDEX ix_incident_timeline_incident ON incident_timeline(incident_id, seq);
            CREATE TABLE silences (
                id TEXT PRIMARY KEY,
                ends_at INTEGER NOT NULL,
                body TEXT NOT NULL
            );
            """),
        (11, "notification outbox", """
            CREATE TABLE notification_outbox (
                id TEXT PRIMARY KEY,
                incident_id TEXT NOT NULL,
                channel TEXT NOT NULL,
                status INTEGER NOT NULL,
                attempts INTEGER NOT NULL,
                next_attempt_at INTEGER NOT NULL,
                created_at INTEGER NOT NULL,
                last_error TEXT,
                body TEXT NOT NULL
            );
            CREATE INDEX ix_notification_outbox_due ON notification_outbox(status, next_attempt_at);
            CREATE INDEX ix_notification_outbox_incident ON notification_outbox(incident_id);
            """),
        (30, "eval suites, cases and runs", """
            CREATE TABLE eval_suites (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                created_at INTEGER NOT NULL,
                body TEXT NOT NULL
            );
            CREATE TABLE eval_cases (
                id TEXT PRIMARY KEY,
                suite_id TEXT NOT NULL,
                incident_id TEXT,
                created_at INTEGER NOT NULL,
                body TEXT NOT NULL
            );
            CREATE INDEX ix_eval_cases_suite ON eval_cases(suite_id);
            CREATE INDEX ix_eval_cases_incident ON eval_cases(incident_id);
            CREATE TABLE eval_runs (
                id TEXT PRIMARY KEY,
                suite_id TEXT NOT NULL,
                incident_id TEXT,
                at INTEGER NOT NULL,
                passed INTEGER NOT NULL,
                failed INTEGER NOT NULL,
                body TEXT NOT NULL
            );
            CREATE INDEX ix_eval_runs_suite ON eval_runs(suite_id, at);
            CREATE INDEX ix_eval_results_case ON eval_results(suite, case_id, ts);
            """),
        (31, "post-mortems and incident memory", """
            CREATE TABLE postmortems (
                incident_id TEXT NOT NULL,
                version INTEGER NOT NULL,
                at INTEGER NOT NULL,
                updated_by TEXT NOT NULL,
                status TEXT NOT NULL,
                body TEXT NOT NULL,
                PRIMARY KEY (incident_id, version)
            );
            CREATE VIRTUAL TABLE memory_fts USING fts5(kind UNINDEXED, ref_id UNINDEXED, title, body, tokenize = 'porter unicode61');
            """),
        (20, "mitigations and their audit log", """
            CREATE TABLE mitigations (
                id TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                state TEXT NOT NULL,
                incident_id TEXT,
                alert_id TEXT,
                created_at INTEGER NOT NULL,
                expires_at INTEGER,
                body TEXT NOT NULL
            );
            CREATE INDEX ix_mitigations_state ON mitigations(state);
            CREATE TABLE mitigation_audit (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                mitigation_id TEXT NOT NULL,
                action TEXT NOT NULL,
                actor TEXT NOT NULL,
                at INTEGER NOT NULL,
                from_state TEXT,
                to_state TEXT NOT NULL,
                note TEXT
            );
            CREATE INDEX ix_mitigation_audit_id ON mitigation_audit(mitigation_id);
            """),
    ];

    public static void Apply(SqliteConnection connection)
    {
        connection.Execute("PRAGMA journal_mode=WAL;");
        connection.Execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
        var applied = connection.Query<int>("SELECT version FROM schema_migrations").ToHashSet();
        foreach (var (version, name, sql) in All)
        {
            if (applied.Contains(version))
            {
                continue;
            }

            using var tx = connection.BeginTransaction();
            connection.Execute(sql, transaction: tx);
            connection.Execute(
                "INSERT INTO schema_migrations(version, name, applied_at) VALUES (@version, @name, @at)",
                new { version, name, at = TimeProvider.System.GetUtcNow().ToString("O") },
                tx);
            tx.Commit();
        }

        SqliteCallColumns.AddMissingColumns(connection);
    }
}
