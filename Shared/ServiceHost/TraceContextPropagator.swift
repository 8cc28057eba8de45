public import Instrumentation
import ServiceContextModule

/// The W3C `traceparent` propagator as a swift-distributed-tracing `Instrument`: extract
/// gives the served call a new span in the caller's trace (a new trace when the header is
/// missing or malformed); inject writes the current span as the parent of an outgoing call.
/// A process that exports spans bootstraps a tracer (swift-otel) instead and passes
/// `InstrumentationSystem.instrument` to the interceptors.
public struct TraceContextPropagator: Instrument {
    /// The header.
    public static let header = "traceparent"

    /// Creates the propagator.
    public init() {}

    public func extract<Carrier, Extract: Extractor>(
        _ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract
    ) where Extract.Carrier == Carrier {
        context.traceContext = TraceContext.serving(traceparent: extractor.extract(key: Self.header, from: carrier))
    }

    public func inject<Carrier, Inject: Injector>(
        _ context: ServiceContext, into carrier: inout Carrier, using injector: Inject
    ) where Inject.Carrier == Carrier {
        guard let trace = context.traceContext else { return }
        injector.inject(trace.traceparent, forKey: Self.header, into: &carrier)
    }
}
