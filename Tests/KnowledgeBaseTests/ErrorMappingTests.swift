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
