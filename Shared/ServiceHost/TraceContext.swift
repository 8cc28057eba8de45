public import Logging
public import ServiceContextModule

/// A W3C trace context (`traceparent: 00-<trace id>-<parent id>-<flags>`): the trace a call
/// belongs to and the span that made it. Carried in the task's `ServiceContext`
/// (swift-distributed-tracing's context), read from incoming calls, written to outgoing ones.
public struct TraceContext: Sendable, Hashable {
    /// 32 lowercase hex digits, not all zero.
    public var traceID: String
    /// The span of the current call (16 lowercase hex digits): the parent of outgoing calls.
    public var spanID: String
    /// The span that called us, when the request carried one.
    public var parentSpanID: String?
    /// Trace flags (bit 0: sampled).
    public var flags: UInt8

    /// Creates a context.
    public init(traceID: String, spanID: String, parentSpanID: String? = nil, flags: UInt8 = 1) {
        self.traceID = traceID
        self.spanID = spanID
        self.parentSpanID = parentSpanID
        self.flags = flags
    }

    /// A new trace with a new root span.
    public static func newTrace() -> TraceContext {
        TraceContext(traceID: randomHex(bytes: 16), spanID: randomHex(bytes: 8))
    }

    /// Parses a `traceparent` header; nil when it is malformed (the W3C rule: then start a new trace).
    public static func parse(traceparent: String) -> (traceID: String, parentID: String, flags: UInt8)? {
        let parts = traceparent.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[0].count == 2, parts[0] != "ff", parts[1].count == 32, parts[2].count == 16,
            parts[3].count == 2, parts.prefix(4).allSatisfy({ $0.allSatisfy(\.isLowercaseHex) }),
            parts[0] != "00" || parts.count == 4,
            parts[1].contains(where: { $0 != "0" }), parts[2].contains(where: { $0 != "0" }),
            let flags = UInt8(parts[3], radix: 16)
        else { return nil }
        return (String(parts[1]), String(parts[2]), flags)
    }

    /// The context of a call served with this request `traceparent`: same trace, new span.
    public static func serving(traceparent: String?) -> TraceContext {
        guard let traceparent, let parsed = parse(traceparent: traceparent) else { return newTrace() }
        return TraceContext(traceID: parsed.traceID, spanID: randomHex(bytes: 8), parentSpanID: parsed.parentID, flags: parsed.flags)
    }

    /// The `traceparent` of an outgoing call made from this span.
    public var traceparent: String {
        let hexFlags = String(flags, radix: 16)
        return "00-\(traceID)-\(spanID)-\(hexFlags.count == 1 ? "0" + hexFlags : hexFlags)"
    }

    /// The context of the current task, if any.
    public static var current: TraceContext? { ServiceContext.current?.traceContext }

    /// Adds `trace.id` and `trace.span_id` of the current task to every log record.
    public static let loggingMetadataProvider = Logger.MetadataProvider {
        guard let context = TraceContext.current else { return [:] }
        return ["trace.id": "\(context.traceID)", "trace.span_id": "\(context.spanID)"]
    }

    private static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var text = ""
        for _ in 0..<bytes {
            let byte = UInt8.random(in: 0...255, using: &generator)
            text += byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
        }
        return text
    }
}

extension Character {
    fileprivate var isLowercaseHex: Bool { ("0"..."9").contains(self) || ("a"..."f").contains(self) }
}

/// The `ServiceContext` key of the trace context.
private enum TraceContextKey: ServiceContextKey {
    typealias Value = TraceContext
    static var nameOverride: String? { "lifelong.trace" }
}

extension ServiceContext {
    /// The W3C trace context of the task, when it serves or makes a traced call.
    public var traceContext: TraceContext? {
        get { self[TraceContextKey.self] }
        set { self[TraceContextKey.self] = newValue }
    }
}
