import ServiceHost
import Testing

@Suite("W3C trace context")
struct TraceContextTests {
    @Test("a valid traceparent keeps its trace and becomes the parent of a new span")
    func serving() {
        let header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let context = TraceContext.serving(traceparent: header)
        #expect(context.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(context.parentSpanID == "00f067aa0ba902b7")
        #expect(context.spanID != "00f067aa0ba902b7")
        #expect(context.spanID.count == 16)
        #expect(context.traceparent == "00-4bf92f3577b34da6a3ce929d0e0e4736-\(context.spanID)-01")
    }

    @Test("malformed headers start a new trace", arguments: [
        "", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
    ])
    func malformed(header: String) {
        #expect(TraceContext.parse(traceparent: header) == nil)
        let context = TraceContext.serving(traceparent: header)
        #expect(context.parentSpanID == nil)
        #expect(context.traceID.count == 32)
    }

    @Test("a later version may carry more fields")
    func futureVersion() {
        #expect(TraceContext.parse(traceparent: "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-later") != nil)
    }
}
