import JobQueue
public import PostgresClient

/// The training service's schema: the job queue's tables (versions 1…100), then its own
/// (from 101). Never edit one that shipped: add the next version instead.
public enum TrainingMigrations {
    /// Every migration, oldest first.
    public static let all: [PostgresMigration] = JobQueueMigrations.all + [initial]

    /// Version 101: what a training run keeps beside its queue rows.
    static let initial = PostgresMigration(
        version: 101, name: "training runs",
        statements: [
            // Per run: the job, the snapshot it started from and the one it published, and the
            // newest sample sequence it trained on (the next round's "new samples" start after it).
            """
            create table training_runs (
                run_id text primary key references queue_runs (run_id) on delete cascade,
                job_id text not null,
                base_version int8 not null,
                published_version int8 not null default 0,
                trained_through int8 not null default 0,
                created_at timestamptz not null default clock_timestamp())
            """,
            "create index training_runs_by_version on training_runs (job_id, published_version)",
            // The progress events of a run, numbered from 1 without gaps (appended under the
            // run's row lock, so a watcher reading `sequence > n` never misses one).
            """
            create table training_events (
                run_id text not null references queue_runs (run_id) on delete cascade,
                sequence int8 not null,
                event bytea not null,
                primary key (run_id, sequence))
            """,
            // What each unit of a run left for the others: the prior, the margins of a task's
            // rows, the plan, a pending publication.
            """
            create table training_artifacts (
                run_id text not null references queue_runs (run_id) on delete cascade,
                name text not null,
                content bytea not null,
                primary key (run_id, name))
            """,
            // What happened to each task: a serialized TrainingTaskOutcome, and for an accepted
            // model the one-task snapshot the publication merges.
            """
            create table training_outcomes (
                run_id text not null references queue_runs (run_id) on delete cascade,
                task_name text not null,
                kind int4 not null,
                outcome bytea not null,
                task_snapshot bytea,
                primary key (run_id, task_name))
            """,
        ])
}
