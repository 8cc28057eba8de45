/// An error of one service: the gRPC status a client sees, a message naming the field or
/// object at fault, and the underlying cause (logged by the host, never sent to clients).
///
/// Each service names its own (`typealias EdgeError = ServiceError<EdgeErrorMapping>`), and
/// its ``ServiceErrorMapping/classify(_:)`` is the one place where whatever that service's
/// handlers throw becomes a status. The fields, the description, the wire form and the
/// INVALID_ARGUMENT shorthand are the same for every service and live here.
public struct ServiceError<Mapping: ServiceErrorMapping>: Error, Sendable, CustomStringConvertible, RPCErrorConvertible {
    /// The status a client sees.
    public var code: RPCError.Code
    /// What went wrong, starting with the field at fault when there is one.
    public var message: String
    /// The underlying error, if any (logged by the host, never sent to clients).
    public var cause: (any Error)?

    /// Creates an error.
    /// - Parameters:
    ///   - code: The status a client sees.
    ///   - message: What went wrong.
    ///   - cause: The underlying error.
    public init(_ code: RPCError.Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// An INVALID_ARGUMENT error naming `field`: "field: message".
    /// - Parameters:
    ///   - field: The request field at fault.
    ///   - message: What is wrong with it.
    ///   - cause: The underlying error, if any.
    public static func invalid(_ field: String, _ message: String, cause: (any Error)? = nil) -> Self {
        Self(.invalidArgument, "\(field): \(message)", cause: cause)
    }

    public var description: String { "\(code): \(message)" }

    /// The error as it reaches the client: status and message, with the error itself (or its
    /// cause) kept for the host's log.
    public var rpcError: RPCError { RPCError(code: code, message: message, cause: cause ?? self) }

    /// The service's error that any error thrown while serving a call stands for
    /// (``ServiceErrorMapping/classify(_:)``).
    public static func classify(_ error: any Error) -> Self { Mapping.classify(error) }

    /// The status any error thrown while serving a call reaches the client with
    /// (``ServiceErrorMapping/rpcError(for:)``), as the service's error-mapping interceptor
    /// installs it.
    @Sendable public static func rpcError(for error: any Error) -> RPCError { Mapping.rpcError(for: error) }
}

/// How one service classifies the errors its handlers throw (see ``ServiceError``).
public protocol ServiceErrorMapping: Sendable {
    /// The service's error that any error thrown while serving a call stands for: its own
    /// errors as they are, other errors by kind, with the original as the cause.
    /// - Parameter error: The error.
    /// - Returns: The service's error.
    static func classify(_ error: any Error) -> ServiceError<Self>

    /// The status any error thrown while serving a call reaches the client with. By default
    /// an `RPCError` (a request the transport could not decode, a call cut short, a status of
    /// a service called) goes on as it is, metadata included, and anything else is
    /// classified.
    /// - Parameter error: The error.
    /// - Returns: The error as it goes on the wire.
    static func rpcError(for error: any Error) -> RPCError
}

extension ServiceErrorMapping {
    public static func rpcError(for error: any Error) -> RPCError {
        if let error = error as? RPCError { return error }
        return classify(error).rpcError
    }
}
