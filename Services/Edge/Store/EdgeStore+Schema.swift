extension EdgeStore {
    /// The store's tables, created when absent. Times are microseconds since the Unix epoch.
    static let schema = """
        CREATE TABLE IF NOT EXISTS snapshots (
            slot TEXT PRIMARY KEY CHECK (slot IN ('current', 'previous')),
            version INTEGER NOT NULL,
            job_id TEXT NOT NULL,
            message BLOB NOT NULL,           -- lifelong.v1.TaskIndexSnapshot
            installed_at_us INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS models (
            sha256 TEXT PRIMARY KEY,         -- content address, lowercase hex
            bytes BLOB NOT NULL
        );
        CREATE TABLE IF NOT EXISTS upload_batches (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            batch_key TEXT NOT NULL UNIQUE,  -- sent as idempotency-key metadata
            created_at_us INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_us INTEGER NOT NULL DEFAULT 0,
            last_error TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE IF NOT EXISTS unseen_samples (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            sample_key TEXT NOT NULL UNIQUE, -- the sample's idempotency key
            message BLOB NOT NULL,           -- lifelong.v1.Sample, as observed (unredacted)
            size_bytes INTEGER NOT NULL,
            observed_at_us INTEGER NOT NULL,
            batch_id INTEGER REFERENCES upload_batches(id)
        );
        CREATE INDEX IF NOT EXISTS unseen_samples_batch ON unseen_samples(batch_id, id);
        CREATE TABLE IF NOT EXISTS counters (
            name TEXT PRIMARY KEY,
            value INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS settings (
            name TEXT PRIMARY KEY,
            value BLOB NOT NULL
        );
        CREATE TABLE IF NOT EXISTS audit_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at_us INTEGER NOT NULL,
            batch_key TEXT NOT NULL,
            samples INTEGER NOT NULL,
            bytes INTEGER NOT NULL,
            policy TEXT NOT NULL,            -- mode and redacted columns applied
            sample_keys TEXT NOT NULL,       -- newline-separated
            outcome TEXT NOT NULL            -- e.g. 'acknowledged inserted=10 duplicates=0'
        );
        """
}
