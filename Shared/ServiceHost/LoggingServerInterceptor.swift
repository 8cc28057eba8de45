public import Logging
public import RPCCore

/// Logs the end of every call with `rpc.method`, `rpc.peer`, `rpc.code` and
/// `rpc.duration_ms` (and the trace ids, from the logger's metadata provider): at debug when
/// it succeeded or failed through the client's doing, at warning when the server failed
/// (INTERNAL, UNKNOWN, DATA_LOSS, UNAVAILABLE), with the error message and, then, its cause
/// (what services keep from clients, such as a database's own message).
public struct LoggingServerInterceptor: ServerInterceptor {
    private let logger: Logger

    /// Creates the interceptor.
    public init(logger: Logger) {
        self.logger = logger
    }

    public func intercept(
        request: StreamingServerRequest<[UInt8]>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<[UInt8]>, ServerContext) async throws -> StreamingServerResponse<[UInt8]>
    ) async throws -> StreamingServerResponse<[UInt8]> {
        try await CallObservation.observe(request: request, context: context, next: next) { [logger] outcome in
            Self.log(outcome, context, logger)
        }
    }

    public func interceptUnary(
        request: [UInt8], context: ServerContext, next: @Sendable ([UInt8], ServerContext) async throws -> [UInt8]
    ) async throws -> [UInt8] {
        try await CallObservation.observeUnary(request: request, context: context, next: next) { outcome in
            Self.log(outcome, context, logger)
        }
    }

    private static func log(_ outcome: CallObservation.Outcome, _ context: ServerContext, _ logger: Logger) {
        let serverFault: Set<RPCError.Code> = [.internalError, .unknown, .dataLoss, .unavailable]
        let level: Logger.Level = serverFault.contains(outcome.code) ? .warning : .debug
        guard logger.logLevel <= level else { return }
        var metadata: Logger.Metadata = [
            "rpc.method": "\(context.method.path)", "rpc.peer": "\(context.peer)",
            "rpc.code": "\(outcome.code.statusName)",
            "rpc.duration_ms": "\(Double(outcome.duration.components.attoseconds) / 1e15 + Double(outcome.duration.components.seconds) * 1000)",
        ]
        if let error = outcome.error {
            metadata["rpc.error"] = "\(error.message)"
            // What the client was not told (a database's own message) is kept for the operator.
            if level == .warning, let cause = error.cause { metadata["rpc.cause"] = "\(cause)" }
        }
        logger.log(level: level, outcome.error == nil ? "call served" : "call failed", metadata: metadata)
    }
}
