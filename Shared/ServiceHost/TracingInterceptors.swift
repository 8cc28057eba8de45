public import Instrumentation
public import RPCCore
import ServiceContextModule

/// Serves each call inside the trace its request names (`traceparent`), with a span of its
/// own, so that log records and outgoing calls carry it.
public struct TracingServerInterceptor: ServerInterceptor {
    private let instrument: any Instrument

    /// Creates the interceptor.
    /// - Parameter instrument: Extracts the context; the W3C propagator by default.
    public init(instrument: any Instrument = TraceContextPropagator()) {
        self.instrument = instrument
    }

    private func serviceContext(for context: ServerContext) -> ServiceContext {
        var serviceContext = ServiceContext.current ?? .topLevel
        instrument.extract(context.metadata, into: &serviceContext, using: MetadataExtractor())
        return serviceContext
    }

    public func intercept(
        request: StreamingServerRequest<[UInt8]>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<[UInt8]>, ServerContext) async throws -> StreamingServerResponse<[UInt8]>
    ) async throws -> StreamingServerResponse<[UInt8]> {
        let traced = serviceContext(for: context)
        let response = try await ServiceContext.withValue(traced) { try await next(request, context) }
        return StreamingServerResponse(metadata: response.metadata) { writer in
            try await ServiceContext.withValue(traced) { try await response.producer(writer) }
        }
    }

    public func interceptUnary(
        request: [UInt8], context: ServerContext, next: @Sendable ([UInt8], ServerContext) async throws -> [UInt8]
    ) async throws -> [UInt8] {
        try await ServiceContext.withValue(serviceContext(for: context)) { try await next(request, context) }
    }
}

/// Writes the task's trace context into each outgoing call's metadata (`traceparent`).
public struct TracingClientInterceptor: ClientInterceptor {
    private let instrument: any Instrument

    /// Creates the interceptor.
    /// - Parameter instrument: Injects the context; the W3C propagator by default.
    public init(instrument: any Instrument = TraceContextPropagator()) {
        self.instrument = instrument
    }

    public func intercept<Result: Sendable>(
        metadata: Metadata, method: MethodDescriptor, options: CallOptions,
        next: @Sendable (Metadata, CallOptions) async throws -> Result
    ) async throws -> Result {
        guard let context = ServiceContext.current else { return try await next(metadata, options) }
        var metadata = metadata
        instrument.inject(context, into: &metadata, using: MetadataInjector())
        return try await next(metadata, options)
    }
}

extension ClientTransport {
    /// This transport with the interceptors every service-to-service call wants: the served
    /// call's deadline and trace context propagated, then `extra`.
    public func propagatingCallContext(_ extra: [any ClientInterceptor] = []) -> InterceptedClientTransport {
        InterceptedClientTransport(self, interceptors: [DeadlinePropagationInterceptor(), TracingClientInterceptor()] + extra)
    }
}
