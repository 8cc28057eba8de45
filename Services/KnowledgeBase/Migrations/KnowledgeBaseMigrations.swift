public import PostgresClient

/// The knowledge base's schema, as versioned migrations. Never edit one that shipped: add
/// the next version instead (the migrator refuses a changed migration).
public enum KnowledgeBaseMigrations {
    /// Every migration, oldest first.
    public static let all: [PostgresMigration] = [initial, requestIDs]

    /// Version 1: jobs, snapshots and their tasks, groups and relations; models and their
    /// bytes; samples.
    static let initial = PostgresMigration(
        version: 1, name: "initial",
        statements: [
            // One row per job: which snapshot is current, and how many features its samples carry.
            """
            create table jobs (
                job_id text primary key,
                current_version int8 not null default 0,
                feature_count int4,
                created_at timestamptz not null default now(),
                updated_at timestamptz not null default now())
            """,
            // Immutable versions of the task index; `content` is the serialized
            // TaskIndexSnapshot, status aside (it changes on rollback).
            """
            create table snapshots (
                job_id text not null references jobs (job_id),
                version int8 not null check (version > 0),
                base_version int8 not null,
                status int2 not null,
                task_count int4 not null,
                note text not null,
                published_at timestamptz not null,
                content bytea not null,
                primary key (job_id, version))
            """,
            "alter table snapshots alter column content set storage external",
            // Every task a job ever had, with when it first appeared and last changed.
            """
            create table tasks (
                job_id text not null references jobs (job_id),
                name text not null,
                fingerprint text not null,
                created_at timestamptz not null,
                updated_at timestamptz not null,
                primary key (job_id, name))
            """,
            // The tasks of each version, queryable: attributes, statistics, assigned model.
            """
            create table snapshot_tasks (
                job_id text not null,
                version int8 not null,
                name text not null,
                fingerprint text not null,
                model_sha256 text,
                attributes jsonb not null,
                statistics_mean float8[] not null,
                statistics_stddev float8[] not null,
                definition bytea not null,
                primary key (job_id, version, name),
                foreign key (job_id, version) references snapshots (job_id, version))
            """,
            "create index snapshot_tasks_by_name on snapshot_tasks (job_id, name, version)",
            """
            create table snapshot_groups (
                job_id text not null,
                version int8 not null,
                name text not null,
                tasks text[] not null,
                model_sha256 text,
                primary key (job_id, version, name),
                foreign key (job_id, version) references snapshots (job_id, version))
            """,
            """
            create table snapshot_relations (
                job_id text not null,
                version int8 not null,
                from_task text not null,
                to_task text not null,
                weight float8 not null,
                data_distance float8 not null,
                cross_accuracy float8 not null,
                primary key (job_id, version, from_task, to_task),
                foreign key (job_id, version) references snapshots (job_id, version))
            """,
            // Models, content-addressed; `metadata` is the serialized ModelMetadata.
            """
            create table models (
                sha256 text primary key check (sha256 ~ '^[0-9a-f]{64}$'),
                size_bytes int8 not null check (size_bytes >= 0),
                format text not null,
                task_name text not null,
                parent_sha256 text,
                parameters jsonb not null,
                training_samples int8[] not null,
                chunk_count int4 not null,
                metadata bytea not null,
                created_at timestamptz not null default now())
            """,
            "create index models_by_task on models (task_name)",
            // A model's bytes in rows of a fixed size; checked against `models` at commit,
            // so an upload that does not complete leaves no chunk behind.
            """
            create table model_chunks (
                sha256 text not null references models (sha256) deferrable initially deferred,
                seq int4 not null check (seq >= 0),
                data bytea not null,
                primary key (sha256, seq))
            """,
            // Model bytes are incompressible: skip the compression attempt.
            "alter table model_chunks alter column data set storage external",
            // Observations; `sequence` orders them and is the ListSamples cursor.
            """
            create table samples (
                sequence int8 generated always as identity primary key,
                job_id text not null,
                key text not null,
                task_name text not null,
                kind int2 not null,
                features float8[] not null,
                attributes jsonb not null,
                label_present bool not null,
                label_class int4 not null,
                label_value float8 not null,
                edge_node text not null,
                observed_at timestamptz not null,
                stored_at timestamptz not null default now(),
                unique (job_id, key))
            """,
            "create index samples_by_task on samples (job_id, task_name, sequence)",
        ])

    /// Version 2: the client's idempotency key of the publish or rollback that created a
    /// version, and a digest of that request, so a retry gets the version back instead of
    /// ABORTED, and a reused key with other content is refused.
    static let requestIDs = PostgresMigration(
        version: 2, name: "request ids",
        statements: [
            "alter table snapshots add column request_id text, add column request_digest text",
            "alter table snapshots add constraint snapshots_request_id_key unique (job_id, request_id)",
        ])
}
