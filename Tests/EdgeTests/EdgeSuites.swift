import Testing

/// Every edge suite, one test at a time: each hosts a node (some with a gateway double and a
/// Python peer), and side by side on two shared cores they would starve each other and the
/// timing-sensitive hosted tests of other targets in the same process.
@Suite("Edge", .serialized)
struct EdgeSuites {}
