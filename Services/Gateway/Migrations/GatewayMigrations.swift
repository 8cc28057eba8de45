public import PostgresClient

/// The gateway's schema. Never edit one that shipped: add the next version instead.
public enum GatewayMigrations {
    /// Every migration, oldest first.
    public static let all: [PostgresMigration] = [initial]

    /// Version 1: jobs and their history, the samples the gateway must remember, the fleet.
    static let initial = PostgresMigration(
        version: 1, name: "jobs, rounds, samples, edges",
        statements: [
            // A job: the `Job` message as clients see it, and what the loop keeps beside it —
            // the on-demand request, the tasks with new labelled samples, what the running round
            // started with (and the request that starts its run, sent again after a restart),
            // the training events already relayed, and the loop's lease.
            """
            create table jobs (
                job_id text primary key,
                job bytea not null,
                train_requested bool not null default false,
                pending_tasks text[] not null default '{}',
                round_pending int8 not null default 0,
                round_tasks text[] not null default '{}',
                round_request bytea,
                last_round_at timestamptz,
                relayed_sequence int8 not null default 0,
                next_event int8 not null default 1,
                lease_owner text,
                lease_until timestamptz)
            """,
            // Every transition and progress step of a job, numbered from 1 without gaps
            // (appended under the job's row lock).
            """
            create table job_events (
                job_id text not null references jobs (job_id) on delete cascade,
                sequence int8 not null,
                event bytea not null,
                primary key (job_id, sequence))
            """,
            // Completed rounds: the run and the version deployed after it.
            """
            create table job_rounds (
                job_id text not null references jobs (job_id) on delete cascade,
                round int4 not null,
                run_id text not null,
                version int8 not null,
                finished_at timestamptz not null default clock_timestamp(),
                primary key (job_id, round))
            """,
            // Eval samples and the round whose test set they are (the report's columns).
            """
            create table eval_samples (
                job_id text not null references jobs (job_id) on delete cascade,
                key text not null,
                round int4 not null,
                primary key (job_id, key))
            """,
            // Unseen samples uploaded by edges: the task their attributes name, for the
            // trigger when they are labelled.
            """
            create table unseen_samples (
                job_id text not null references jobs (job_id) on delete cascade,
                key text not null,
                task_name text not null,
                node text not null,
                labelled bool not null default false,
                primary key (job_id, key))
            """,
            // The fleet: each edge node as registered and as it last reported.
            """
            create table edges (
                node text primary key,
                job_id text not null,
                registration bytea not null,
                snapshot_version int8 not null default 0,
                samples_inferred int8 not null default 0,
                samples_uploaded int8 not null default 0,
                samples_buffered int8 not null default 0,
                last_seen timestamptz not null default clock_timestamp())
            """,
        ])
}
