public import PostgresClient

/// The queue's tables, as versioned migrations a service applies in its own schema, before
/// its own (which start at version 101, so the queue can grow without renumbering them).
/// Never edit one that shipped: add the next version instead.
public enum JobQueueMigrations {
    /// Every migration of the queue, oldest first.
    public static let all: [PostgresMigration] = [initial]

    /// Version 1: runs and their units.
    static let initial = PostgresMigration(
        version: 1, name: "job queue",
        statements: [
            // One row per run. `request_id` makes enqueueing idempotent per queue; the digest
            // tells a repeated request from a different one under the same id.
            """
            create table queue_runs (
                run_id text primary key,
                queue text not null,
                request_id text,
                request_digest text not null,
                payload bytea not null,
                state text not null check (state in ('running', 'committing', 'completed', 'failed', 'cancelled')),
                error text not null default '',
                created_at timestamptz not null default clock_timestamp(),
                updated_at timestamptz not null default clock_timestamp(),
                unique (queue, request_id))
            """,
            // One row per unit of work. A unit of stage s is claimable only when every unit of
            // a lower stage of its run has finished (completed, failed or cancelled).
            // `leased_until` and `worker_id` are the lease; `attempts` counts claims and is the
            // fencing token: a worker whose lease was taken over no longer matches it.
            """
            create table queue_units (
                run_id text not null references queue_runs (run_id) on delete cascade,
                unit text not null,
                stage int4 not null,
                state text not null check (state in ('available', 'running', 'completed', 'failed', 'cancelled')),
                attempts int4 not null default 0,
                max_attempts int4 not null check (max_attempts > 0),
                worker_id text,
                leased_until timestamptz,
                available_at timestamptz not null default clock_timestamp(),
                payload bytea not null,
                result bytea,
                error text not null default '',
                updated_at timestamptz not null default clock_timestamp(),
                primary key (run_id, unit))
            """,
            "create index queue_units_open on queue_units (run_id, stage) where state in ('available', 'running')",
            "create index queue_runs_open on queue_runs (queue, created_at) where state = 'running'",
        ])
}
