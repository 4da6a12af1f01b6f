using Dapper;
using Npgsql;

namespace Quell.Storage.Postgres;

/// <summary>
/// Versioned schema migrations for PostgreSQL, applied in order, one transaction each, under an advisory lock so that
/// several Quell instances starting at once migrate the database exactly once. Times are Unix milliseconds (bigint),
/// as in the SQLite schema, so both providers share their row mapping.
/// </summary>
public static class PostgresMigrations
{
    /// <summary>Key of the advisory lock held while migrating.</summary>
    private const long MigrationLock = 0x5155454c4c4d4947; // "QUELLMIG"

    public static IReadOnlyList<(int Version, string Name, string Sql)> All { get; } =
    [
        // The calls table's columns come from the call schema; fields added later are added by AddMissingColumns.
        (1, "calls log and cursors", PostgresCallColumns.CreateTableSql + """

            -- Calls arrive roughly in time order, so a BRIN index on ts stays a few pages while covering every time range.
            CREATE INDEX ix_calls_ts ON calls USING brin (ts) WITH (pages_per_range = 32);
            CREATE INDEX ix_calls_feature_ts ON calls (feature, ts);
            CREATE INDEX ix_calls_trace ON calls (trace_id);
            CREATE TABLE cursors (
                consumer text PRIMARY KEY,
                seq bigint NOT NULL,
                updated_at bigint NOT NULL
            );
            """),
        (2, "changes, eval results, feedback, alerts", """
            CREATE TABLE changes (
                seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                id text NOT NULL UNIQUE,
                ts bigint NOT NULL,
                kind text NOT NULL,
                scope text NOT NULL,
                description text, author text, from_value text, to_value text
            );
            CREATE INDEX ix_changes_ts ON changes (ts);
            CREATE TABLE eval_results (
                seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                ts bigint NOT NULL,
                suite text NOT NULL, case_id text NOT NULL, passed boolean NOT NULL, score double precision,
                feature text, model text, model_version text, prompt_version text
            );
            CREATE INDEX ix_eval_results_suite ON eval_results (suite, ts);
            CREATE INDEX ix_eval_results_case ON eval_results (suite, case_id, ts);
            CREATE TABLE feedback (
                seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                ts bigint NOT NULL,
                call_id text NOT NULL, thumbs_up boolean, score double precision, comment text,
                feature text, model text, model_version text, prompt_version text, tenant text
            );
            CREATE INDEX ix_feedback_ts ON feedback (ts);
            CREATE TABLE alerts (
                id text PRIMARY KEY,
                fingerprint text NOT NULL,
                category text NOT NULL,
                signal text NOT NULL,
                state text NOT NULL,
                fired_at bigint NOT NULL,
                onset bigint NOT NULL,
                resolved_at bigint,
                body text NOT NULL
            );
            CREATE INDEX ix_alerts_fired ON alerts (fired_at);
            CREATE INDEX ix_alerts_fingerprint ON alerts (fingerprint);
            """),
        (3, "canaries and isolation probe results", """
            CREATE TABLE canaries (
                token text PRIMARY KEY,
                tenant text NOT NULL,
                placement text NOT NULL,
                created_at bigint NOT NULL
            );
            CREATE TABLE isolation_probe_results (
                seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                ts bigint NOT NULL,
                tenant text NOT NULL,
                prompt text NOT NULL,
                passed boolean NOT NULL,
                leaked_from text,
                evidence text,
                status_code integer,
                error text,
                latency_ms double precision NOT NULL
            );
            """),
        (10, "incidents, timeline, silences and the notification outbox", """
            CREATE TABLE incidents (
                id text PRIMARY KEY,
                state text NOT NULL,
                severity text NOT NULL,
                category text NOT NULL,
                detected_at bigint NOT NULL,
                updated_at bigint NOT NULL,
                body text NOT NULL
            );
            CREATE INDEX ix_incidents_state ON incidents (state);
            CREATE INDEX ix_incidents_detected ON incidents (detected_at);
            CREATE TABLE incident_timeline (
                seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                incident_id text NOT NULL,
                at bigint NOT NULL,
                kind text NOT NULL,
                actor text NOT NULL,
                message text NOT NULL,
                data text
            );
            CREATE INDEX ix_incident_timeline_incident ON incident_timeline (incident_id, seq);
            CREATE INDEX ix_incident_timeline_kind_at ON incident_timeline (kind, at);
            CREATE TABLE silences (
                id text PRIMARY KEY,
                ends_at bigint NOT NULL,
                body text NOT NULL
            );
            CREATE TABLE notification_outbox (
                seq bigint GENERATED ALWAYS AS IDENTITY,
                id text PRIMARY KEY,
                incident_id text NOT NULL,
                channel text NOT NULL,
                status integer NOT NULL,
                attempts integer NOT NULL,
                next_attempt_at bigint NOT NULL,
                created_at bigint NOT NULL,
                last_error text,
                claimed_until bigint,
                body text NOT NULL
            );
            CREATE INDEX ix_notification_outbox_due ON notification_outbox (status, next_attempt_at);
            CREATE INDEX ix_notification_outbox_incident ON notification_outbox (incident_id, channel, seq);
            """),
        (20, "mitigations and their audit log", """
            CREATE TABLE mitigations (
                id text PRIMARY KEY,
                kind text NOT NULL,
                state text NOT NULL,
                incident_id text,
                alert_id text,
                created_at bigint NOT NULL,
                expires_at bigint,
                body text NOT NULL
            );
            CREATE INDEX ix_mitigations_state ON mitigations (state);
            CREATE TABLE mitigation_audit (
                seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                mitigation_id text NOT NULL,
                action text NOT NULL,
                actor text NOT NULL,
                at bigint NOT NULL,
                from_state text,
                to_state text NOT NULL,
                note text
            );
            CREATE INDEX ix_mitigation_audit_id ON mitigation_audit (mitigation_id);
            """),
        (30, "eval suites, cases and runs", """
            CREATE TABLE eval_suites (
                id text PRIMARY KEY,
                name text NOT NULL UNIQUE,
                created_at bigint NOT NULL,
                body text NOT NULL
            );
            CREATE TABLE eval_cases (
                id text PRIMARY KEY,
                suite_id text NOT NULL,
                incident_id text,
                created_at bigint NOT NULL,
                body text NOT NULL
            );
            CREATE INDEX ix_eval_cases_suite ON eval_cases (suite_id);
            CREATE INDEX ix_eval_cases_incident ON eval_cases (incident_id);
            CREATE TABLE eval_runs (
                id text PRIMARY KEY,
                suite_id text NOT NULL,
                incident_id text,
                at bigint NOT NULL,
                passed integer NOT NULL,
                failed integer NOT NULL,
                body text NOT NULL
            );
            CREATE INDEX ix_eval_runs_suite ON eval_runs (suite_id, at);
            """),
        (31, "post-mortems and incident memory", """
            CREATE TABLE postmortems (
                incident_id text NOT NULL,
                version integer NOT NULL,
                at bigint NOT NULL,
                updated_by text NOT NULL,
                status text NOT NULL,
                body text NOT NULL,
                PRIMARY KEY (incident_id, version)
            );
            CREATE TABLE memory_documents (
                kind text NOT NULL,
                ref_id text NOT NULL,
                title text NOT NULL,
                body text NOT NULL,
                document tsvector GENERATED ALWAYS AS (setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body), 'B')) STORED,
                PRIMARY KEY (kind, ref_id)
            );
            CREATE INDEX ix_memory_documents ON memory_documents USING gin (document);
            """),
        (50, "api keys and the audit log", """
            CREATE TABLE api_keys (
                id text PRIMARY KEY,
                name text NOT NULL,
                prefix text NOT NULL,
                hash text NOT NULL UNIQUE,
                scopes text NOT NULL,
                tenant text,
                read_tenants text,
                created_at bigint NOT NULL,
                created_by text,
                revoked_at bigint,
                revoked_by text
            );
            CREATE TABLE audit_log (
                seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                at bigint NOT NULL,
                key_id text,
                actor text NOT NULL,
                method text NOT NULL,
                path text NOT NULL,
                route text,
                status integer NOT NULL,
                remote text,
                user_agent text
            );
            CREATE INDEX ix_audit_log_actor ON audit_log (actor, seq);
            """),
        (60, "detector partition leases and the instances sharing them", """
            CREATE TABLE detector_leases (
                partition integer PRIMARY KEY,
                owner text,
                expires_at bigint NOT NULL,
                token bigint NOT NULL
            );
            CREATE TABLE detector_instances (
                instance text PRIMARY KEY,
                expires_at bigint NOT NULL
            );
            """),
    ];

    public static void Apply(NpgsqlConnection connection)
    {
        connection.Execute("SELECT pg_advisory_lock(@key)", new { key = MigrationLock });
        try
        {
            connection.Execute("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
            var applied = connection.Query<int>("SELECT version FROM schema_migrations").ToHashSet();
            foreach (var (version, name, sql) in All.OrderBy(m => m.Version))
            {
                if (applied.Contains(version))
                {
                    continue;
                }

                using var tx = connection.BeginTransaction();
                connection.Execute(sql, transaction: tx);
                connection.Execute("INSERT INTO schema_migrations(version, name) VALUES (@version, @name)", new { version, name }, tx);
                tx.Commit();
            }

            PostgresCallColumns.AddMissingColumns(connection);
        }
        finally
        {
            connection.Execute("SELECT pg_advisory_unlock(@key)", new { key = MigrationLock });
        }
    }
}
