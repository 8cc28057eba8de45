import KnowledgeBase
import PostgresClient
import RPCCore
import Testing

@Suite("Errors map to gRPC statuses in one place")
struct ErrorMappingTests {
    @Test(
        "PostgreSQL failures become the status a client can act on",
        arguments: [
            (PostgresError(kind: .connection, code: "08006", message: "lost"), RPCError.Code.unavailable),
            (PostgresError(kind: .query, code: "57P01", message: "admin shutdown"), .unavailable),
            (PostgresError(kind: .query, code: "57014", message: "statement timeout"), .deadlineExceeded),
            (PostgresError(kind: .query, code: "40001", message: "serialization"), .aborted),
            (PostgresError(kind: .query, code: "40P01", message: "deadlock"), .aborted),
            (PostgresError(kind: .query, code: "53100", message: "disk full"), .resourceExhausted),
            (PostgresError(kind: .query, code: "42P01", message: "no table"), .internalError),
        ])
    func postgres(error: PostgresError, expected: RPCError.Code) {
        #expect(KnowledgeBaseError.classify(error).rpcError.code == expected)
    }

    @Test("domain errors keep their code and message; cancellation is CANCELLED")
    func domain() {
        let error = KnowledgeBaseError(.notFound, "job 'x' has no version 3")
        #expect(KnowledgeBaseError.classify(error).rpcError.code == .notFound)
        #expect(KnowledgeBaseError.classify(error).rpcError.message == "job 'x' has no version 3")
        #expect(KnowledgeBaseError.classify(CancellationError()).rpcError.code == .cancelled)
    }
}

@Suite("What clients are told about database failures")
struct ErrorSanitizingTests {
    @Test("connection targets, DETAIL lines and key values stay out of the message; the cause keeps them", arguments: [
        PostgresError(
            kind: .connection, code: "08001",
            message: "cannot connect to PostgreSQL at kb:s3cret@db.internal:5432/lifelong: connection refused"),
        PostgresError(
            kind: .query, code: "23505",
            message: "duplicate key value violates unique constraint; DETAIL: Key (sha256)=(abc123secret) already exists"),
        PostgresError(kind: .query, code: "53100", message: "could not extend file \"base/16384/2619\": No space left; HINT: free disk"),
    ])
    func sanitized(error: PostgresError) {
        let rpcError = KnowledgeBaseError.rpcError(for: error)
        for secret in ["s3cret", "db.internal", "abc123secret", "DETAIL", "HINT", "base/16384"] {
            #expect(!rpcError.message.contains(secret), "\(rpcError.message)")
        }
        #expect("\(String(describing: rpcError.cause))".contains(error.message))
    }

    @Test("a pool that stayed busy is named: the client learns to retry, and which pool")
    func poolTimeout() {
        let error = PostgresError(
            kind: .connection, code: PostgresError.poolTimeout,
            message: "no connection of the PostgreSQL pool 'lifelong-kb' became free within 10.0 seconds")
        let rpcError = KnowledgeBaseError.rpcError(for: error)
        #expect(rpcError.code == .unavailable)
        #expect(rpcError.message.contains("pool 'lifelong-kb'"))
    }
}
