import CoreMetrics
import Metrics
public import RPCCore
import Synchronization

/// Counts and times every call, in the series go-grpc-prometheus made standard:
/// `grpc_server_started_total` and `grpc_server_handled_total` (with `grpc_code`) by
/// `grpc_service` and `grpc_method`, the `grpc_server_handling_seconds` histogram, and
/// `grpc_server_in_flight` calls.
public struct MetricsServerInterceptor: ServerInterceptor {
    private let series: CallSeries

    /// Creates the interceptor.
    /// - Parameter metrics: Where the series go.
    public init(metrics: HostMetrics) {
        series = CallSeries(factory: metrics.factory)
    }

    public func intercept(
        request: StreamingServerRequest<[UInt8]>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<[UInt8]>, ServerContext) async throws -> StreamingServerResponse<[UInt8]>
    ) async throws -> StreamingServerResponse<[UInt8]> {
        let method = series.started(context.method)
        return try await CallObservation.observe(request: request, context: context, next: next) { [series] outcome in
            series.ended(method, outcome)
        }
    }

    public func interceptUnary(
        request: [UInt8], context: ServerContext, next: @Sendable ([UInt8], ServerContext) async throws -> [UInt8]
    ) async throws -> [UInt8] {
        let method = series.started(context.method)
        return try await CallObservation.observeUnary(request: request, context: context, next: next) { outcome in
            series.ended(method, outcome)
        }
    }
}

/// The metric objects of each method, made once and reused.
private final class CallSeries: Sendable {
    final class Method: Sendable {
        let dimensions: [(String, String)]
        let started: Counter
        let duration: Timer
        let handled = Mutex<[Int: Counter]>([:])

        init(_ method: MethodDescriptor, factory: any MetricsFactory) {
            dimensions = [("grpc_service", method.service.fullyQualifiedService), ("grpc_method", method.method)]
            started = Counter(label: "grpc_server_started_total", dimensions: dimensions, factory: factory)
            duration = Timer(label: "grpc_server_handling_seconds", dimensions: dimensions, factory: factory)
        }
    }

    private let factory: any MetricsFactory
    private let methods = Mutex<[String: Method]>([:])
    private let inFlight: Meter

    init(factory: any MetricsFactory) {
        self.factory = factory
        inFlight = Meter(label: "grpc_server_in_flight", factory: factory)
    }

    func started(_ descriptor: MethodDescriptor) -> Method {
        let method = methods.withLock { methods in
            if let known = methods[descriptor.path] { return known }
            let made = Method(descriptor, factory: factory)
            methods[descriptor.path] = made
            return made
        }
        method.started.increment()
        inFlight.increment()
        return method
    }

    func ended(_ method: Method, _ outcome: CallObservation.Outcome) {
        inFlight.decrement()
        method.duration.recordNanoseconds(Int64(outcome.duration.components.seconds) * 1_000_000_000
            + Int64(outcome.duration.components.attoseconds / 1_000_000_000))
        let counter = method.handled.withLock { handled in
            if let known = handled[outcome.code.rawValue] { return known }
            let made = Counter(
                label: "grpc_server_handled_total", dimensions: method.dimensions + [("grpc_code", outcome.code.statusName)],
                factory: factory)
            handled[outcome.code.rawValue] = made
            return made
        }
        counter.increment()
    }
}
