/// An error that crosses the RPC boundary: a gRPC status code, a message for humans, the
/// trailing metadata that came with it and, locally, the underlying cause.
public struct RPCError: Error, Sendable, CustomStringConvertible {
    /// The status code.
    public var code: Code
    /// A human-readable message; for bad input it names the offending field.
    public var message: String
    /// Trailing metadata sent (server) or received (client) with the status.
    public var metadata: Metadata
    /// The error that caused this one, if any. Never sent over the wire.
    public var cause: (any Error)?

    /// Creates an error.
    /// - Parameters:
    ///   - code: The status code; must not be ``Code/ok``.
    ///   - message: A message naming what went wrong.
    ///   - metadata: Trailing metadata.
    ///   - cause: The underlying error.
    public init(code: Code, message: String, metadata: Metadata = [:], cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.metadata = metadata
        self.cause = cause
    }

    public var description: String { "\(code): \(message)" }
}

extension RPCError {
    /// A gRPC status code. Extensible: codes this build does not name keep their raw value.
    public struct Code: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
        /// The numeric code as carried in `grpc-status`.
        public var rawValue: Int

        /// Wraps a numeric code.
        public init(rawValue: Int) { self.rawValue = rawValue }

        public static let ok = Code(rawValue: 0)
        public static let cancelled = Code(rawValue: 1)
        public static let unknown = Code(rawValue: 2)
        public static let invalidArgument = Code(rawValue: 3)
        public static let deadlineExceeded = Code(rawValue: 4)
        public static let notFound = Code(rawValue: 5)
        public static let alreadyExists = Code(rawValue: 6)
        public static let permissionDenied = Code(rawValue: 7)
        public static let resourceExhausted = Code(rawValue: 8)
        public static let failedPrecondition = Code(rawValue: 9)
        public static let aborted = Code(rawValue: 10)
        public static let outOfRange = Code(rawValue: 11)
        public static let unimplemented = Code(rawValue: 12)
        public static let internalError = Code(rawValue: 13)
        public static let unavailable = Code(rawValue: 14)
        public static let dataLoss = Code(rawValue: 15)
        public static let unauthenticated = Code(rawValue: 16)

        private static let names: [Int: String] = [
            0: "OK", 1: "CANCELLED", 2: "UNKNOWN", 3: "INVALID_ARGUMENT", 4: "DEADLINE_EXCEEDED",
            5: "NOT_FOUND", 6: "ALREADY_EXISTS", 7: "PERMISSION_DENIED", 8: "RESOURCE_EXHAUSTED",
            9: "FAILED_PRECONDITION", 10: "ABORTED", 11: "OUT_OF_RANGE", 12: "UNIMPLEMENTED",
            13: "INTERNAL", 14: "UNAVAILABLE", 15: "DATA_LOSS", 16: "UNAUTHENTICATED",
        ]

        public var description: String { Self.names[rawValue] ?? "CODE(\(rawValue))" }
    }
}

extension RPCError {
    /// Maps any error to an `RPCError`: an `RPCError` is returned as is, an error that
    /// conforms to ``RPCErrorConvertible`` is converted, cancellation becomes CANCELLED and
    /// everything else UNKNOWN (with the original kept as `cause`).
    /// - Parameter error: The error thrown by a handler or a transport.
    /// - Returns: The error as it goes on the wire.
    public init(mapping error: any Error) {
        switch error {
        case let rpcError as RPCError:
            self = rpcError
        case let convertible as any RPCErrorConvertible:
            self = convertible.rpcError
        case is CancellationError:
            self.init(code: .cancelled, message: "the call was cancelled", cause: error)
        default:
            self.init(code: .unknown, message: String(describing: error), cause: error)
        }
    }
}

/// A domain error that knows its gRPC status. Services map their errors in one place by
/// conforming them to this protocol.
public protocol RPCErrorConvertible: Error {
    /// The error as it should reach the client.
    var rpcError: RPCError { get }
}
