import Testing

/// Every task-mining suite, run one test at a time: each test hosts a service that clusters,
/// trains and calibrates on every core, and side by side they starved the timing-sensitive
/// hosted tests of other targets that `swift test` runs in the same process (the knowledge
/// base's health and shutdown tests failed when run with them).
@Suite("Task mining", .serialized)
struct TaskMiningSuites {}
