@testable import HTTP2Transport
import RPCCore
import Testing

/// Every transition of one call's state machine, without sockets or NIO.
@Suite("server stream state machine")
struct ServerStreamStateMachineTests {
    typealias Machine = ServerStreamStateMachine

    static let unary = MethodDescriptor(fullyQualifiedService: "lifelong.test.Probe", method: "Unary")
    static let bidi = MethodDescriptor(fullyQualifiedService: "lifelong.test.Probe", method: "Bidi")

    static let router: RPCRouter = {
        var router = RPCRouter()
        let empty: RawMethodHandler = { _, _ in StreamingServerResponse { _ in [:] } }
        router.register(method: unary, kind: .unary, handler: empty)
        router.register(method: bidi, kind: .bidirectionalStreaming, handler: empty)
        return router
    }()

    static func machine(maxHeaderListBytes: Int = 8 << 10, windowBytes: Int = 100) -> Machine {
        Machine(id: 1, maxHeaderListBytes: maxHeaderListBytes, maxReceiveMessageBytes: 1 << 10, windowBytes: windowBytes)
    }

    /// Feeds header fields as nghttp2 would; false when one was refused.
    static func headers(
        _ machine: inout Machine, _ fields: [(String, String)], strings: inout RequestHeaderStrings
    ) -> Bool {
        for (name, value) in fields {
            let accepted = Array(name.utf8).withUnsafeBufferPointer { name in
                Array(value.utf8).withUnsafeBufferPointer { value in
                    machine.receivedHeaderField(name: name, value: value, strings: &strings)
                }
            }
            if !accepted { return false }
        }
        return true
    }

    static func request(
        path: String, contentType: String = "application/grpc", extra: [(String, String)] = []
    ) -> [(String, String)] {
        [(":method", "POST"), (":scheme", "http"), (":path", path), ("content-type", contentType), ("te", "trailers")]
            + extra
    }

    /// A machine whose request headers for `path` are complete.
    static func started(
        path: String, endStream: Bool = false, windowBytes: Int = 100
    ) -> (Machine, Machine.OnHeadersComplete) {
        var machine = Self.machine(windowBytes: windowBytes)
        var strings = RequestHeaderStrings()
        _ = headers(&machine, request(path: path), strings: &strings)
        let outcome = machine.headersComplete(endStream: endStream, router: router)
        return (machine, outcome)
    }

    static func framed(_ payload: [UInt8], compressed: Bool = false) -> [UInt8] {
        let count = UInt32(payload.count)
        return [compressed ? 1 : 0, UInt8(count >> 24), UInt8((count >> 16) & 0xFF), UInt8((count >> 8) & 0xFF),
            UInt8(count & 0xFF)] + payload
    }

    static func data(_ machine: inout Machine, _ bytes: [UInt8]) -> Machine.OnData {
        bytes.withUnsafeBytes { machine.receivedData($0) }
    }

    // MARK: Headers

    @Test("protocol headers are kept apart; the rest becomes metadata; the usual strings are reused")
    func headerFields() {
        var machine = Self.machine()
        var strings = RequestHeaderStrings()
        let fields = Self.request(
            path: "/lifelong.test.Probe/Unary",
            extra: [("grpc-timeout", "5S"), ("grpc-encoding", "identity"), ("user-agent", "probe/1"), ("x-tag", "a")])
        #expect(Self.headers(&machine, fields, strings: &strings))
        #expect(machine.path == "/lifelong.test.Probe/Unary")
        #expect(machine.contentType == "application/grpc")
        #expect(machine.timeout == "5S")
        #expect(machine.encoding == "identity")
        #expect(machine.headers.map { "\($0.0)=\($0.1)" } == ["user-agent=probe/1", "x-tag=a"])
        #expect(machine.request == .receivingHeaders)
    }

    @Test("a header list over the limit is refused (the stream is reset)")
    func headerListLimit() {
        var machine = Self.machine(maxHeaderListBytes: 100)
        var strings = RequestHeaderStrings()
        #expect(Self.headers(&machine, [(":path", "/a/b")], strings: &strings))
        #expect(!Self.headers(&machine, [("x-big", String(repeating: "x", count: 80))], strings: &strings))
    }

    @Test("a content-type that is not gRPC is answered with HTTP 415 and ends the stream")
    func wrongContentType() {
        var machine = Self.machine()
        var strings = RequestHeaderStrings()
        _ = Self.headers(&machine, Self.request(path: "/lifelong.test.Probe/Unary", contentType: "text/plain"), strings: &strings)
        guard case .rejectHTTP(let status, _) = machine.headersComplete(endStream: true, router: Self.router) else {
            Issue.record("expected an HTTP error")
            return
        }
        #expect(status == 415)
        #expect(machine.response == .ended)
    }

    @Test("a missing content-type is answered with HTTP 415")
    func missingContentType() {
        var machine = Self.machine()
        var strings = RequestHeaderStrings()
        _ = Self.headers(&machine, [(":path", "/lifelong.test.Probe/Unary")], strings: &strings)
        guard case .rejectHTTP(415, _) = machine.headersComplete(endStream: true, router: Self.router) else {
            Issue.record("expected HTTP 415")
            return
        }
    }

    @Test(
        "checks that end the call with a status",
        arguments: [
            (
                [("grpc-encoding", "br")], "/lifelong.test.Probe/Unary", RPCError.Code.unimplemented,
                "grpc-encoding 'br' is not supported (supported: gzip,deflate,identity)"
            ),
            ([("grpc-timeout", "soon")], "/lifelong.test.Probe/Unary", .internalError, "malformed grpc-timeout 'soon'"),
            ([], "/lifelong.test.Probe/Missing", .unimplemented, "method /lifelong.test.Probe/Missing is not implemented"),
            ([], "/lifelong.test.Other/Unary", .unimplemented, "service lifelong.test.Other is not implemented"),
        ])
    func failingChecks(extra: [(String, String)], path: String, code: RPCError.Code, message: String) {
        var machine = Self.machine()
        var strings = RequestHeaderStrings()
        _ = Self.headers(&machine, Self.request(path: path, extra: extra), strings: &strings)
        guard case .fail(let error) = machine.headersComplete(endStream: true, router: Self.router) else {
            Issue.record("expected a failed call")
            return
        }
        #expect(error.code == code)
        #expect(error.message == message)
        #expect(machine.finish() == .trailersOnly)
        #expect(machine.finish() == .none)
    }

    @Test("a single-request call collects its message; a streaming call starts at once")
    func routing() {
        let (unary, unaryOutcome) = Self.started(path: "/lifelong.test.Probe/Unary")
        guard case .collect(let call, startNow: false) = unaryOutcome else {
            Issue.record("expected collect")
            return
        }
        #expect(call.route.method == Self.unary)
        #expect(call.timeout == nil)
        #expect(unary.request == .open)
        #expect(unary.collected == [])

        let (bidi, bidiOutcome) = Self.started(path: "/lifelong.test.Probe/Bidi", endStream: true)
        guard case .startStreaming(let streamingCall, requestEnded: true) = bidiOutcome else {
            Issue.record("expected startStreaming")
            return
        }
        #expect(streamingCall.route.method == Self.bidi)
        #expect(bidi.isStreaming)
        #expect(bidi.request == .closed)
    }

    @Test("a unary request ended with its headers starts with no message")
    func unaryWithoutMessage() {
        var (machine, outcome) = Self.started(path: "/lifelong.test.Probe/Unary", endStream: true)
        guard case .collect(_, startNow: true) = outcome else {
            Issue.record("expected collect(startNow: true)")
            return
        }
        #expect(machine.takeCollected() == [])
        #expect(machine.takeCollected() == nil)
    }

    @Test("metadata and timeout reach the call")
    func callDetails() {
        var machine = Self.machine()
        var strings = RequestHeaderStrings()
        _ = Self.headers(
            &machine, Self.request(path: "/lifelong.test.Probe/Bidi", extra: [("grpc-timeout", "250m"), ("x-tag", "a")]),
            strings: &strings)
        guard case .startStreaming(let call, _) = machine.headersComplete(endStream: false, router: Self.router) else {
            Issue.record("expected startStreaming")
            return
        }
        #expect(call.timeout == .milliseconds(250))
        #expect(call.metadata[stringValues: "x-tag"] == ["a"])
    }

    // MARK: Request messages

    @Test("a single-request call keeps its message, acknowledges at once, starts on a second or on the end")
    func collecting() {
        var (machine, _) = Self.started(path: "/lifelong.test.Probe/Unary")
        let message = Self.framed([1, 2, 3])
        guard case .collected(let acknowledged, startNow: false) = Self.data(&machine, Array(message[0..<4])) else {
            Issue.record("expected collected")
            return
        }
        #expect(acknowledged == 4)
        guard case .collected(_, startNow: false) = Self.data(&machine, Array(message[4...])) else {
            Issue.record("expected collected")
            return
        }
        #expect(machine.collected == [[1, 2, 3]])
        guard case .startCollected = machine.remoteEnded() else {
            Issue.record("expected startCollected")
            return
        }
        #expect(machine.takeCollected() == [[1, 2, 3]])

        var (twice, _) = Self.started(path: "/lifelong.test.Probe/Unary")
        guard case .collected(_, startNow: true) = Self.data(&twice, Self.framed([1]) + Self.framed([2])) else {
            Issue.record("a second message starts the handler")
            return
        }
        #expect(twice.takeCollected() == [[1], [2]])
    }

    @Test("a compressed message fails the call; later DATA is dropped")
    func compressedMessage() {
        var (machine, _) = Self.started(path: "/lifelong.test.Probe/Unary")
        guard case .fail(let error, acknowledge: 6) = Self.data(&machine, Self.framed([1], compressed: true)) else {
            Issue.record("expected fail")
            return
        }
        #expect(error.code == .internalError)
        #expect(machine.fail() == .trailersOnly)
        guard case .discard(acknowledge: 6) = Self.data(&machine, Self.framed([1])) else {
            Issue.record("expected discard")
            return
        }
    }

    @Test("a streaming call's messages are acknowledged only while its queue is under the window")
    func streamingFlowControl() {
        var (machine, _) = Self.started(path: "/lifelong.test.Probe/Bidi", windowBytes: 100)
        let small = Self.framed([UInt8](repeating: 1, count: 10))
        guard case .deliver(let messages, acknowledge: 15) = Self.data(&machine, small) else {
            Issue.record("expected deliver, acknowledged")
            return
        }
        #expect(messages.map(\.bytes) == [[UInt8](repeating: 1, count: 10)])
        let big = Self.framed([UInt8](repeating: 2, count: 100))
        guard case .deliver(_, acknowledge: 0) = Self.data(&machine, big) else {
            Issue.record("expected deliver, held")
            return
        }
        #expect(machine.queuedBytes == 120)
        #expect(machine.messagesConsumed(15) == 0)
        #expect(machine.messagesConsumed(105) == 105)
        #expect(machine.unacknowledgedBytes == 0)
    }

    @Test("the request's end: a partial message fails, a streaming call's queue finishes, only once")
    func remoteEnd() {
        var (partial, _) = Self.started(path: "/lifelong.test.Probe/Bidi")
        _ = Self.data(&partial, [0, 0, 0])
        guard case .fail(let error) = partial.remoteEnded() else {
            Issue.record("expected fail")
            return
        }
        #expect(error.code == .internalError)

        var (machine, _) = Self.started(path: "/lifelong.test.Probe/Bidi")
        guard case .finishRequest = machine.remoteEnded() else {
            Issue.record("expected finishRequest")
            return
        }
        #expect(machine.request == .closed)
        guard case .none = machine.remoteEnded() else {
            Issue.record("a second end does nothing")
            return
        }
    }

    @Test("client trailers after the call started end the request")
    func clientTrailers() {
        var (machine, _) = Self.started(path: "/lifelong.test.Probe/Unary")
        _ = Self.data(&machine, Self.framed([9]))
        guard case .remoteEnded(.startCollected) = machine.headersComplete(endStream: true, router: Self.router) else {
            Issue.record("expected remoteEnded(startCollected)")
            return
        }
        guard case .none = machine.headersComplete(endStream: false, router: Self.router) else {
            Issue.record("headers without END_STREAM after the start do nothing")
            return
        }
    }

    // MARK: Response

    @Test("response headers once, messages while open, the status as trailers, once")
    func response() {
        var (machine, _) = Self.started(path: "/lifelong.test.Probe/Bidi")
        #expect(!machine.acceptsMessages)
        #expect(machine.sendHeaders() == true)
        #expect(machine.sendHeaders() == false)
        #expect(machine.acceptsMessages)
        #expect(machine.finish() == .trailers)
        #expect(machine.response == .ending)
        #expect(!machine.acceptsMessages)
        #expect(machine.finish() == .none)
    }

    @Test("a collected call whose response already ended does not start")
    func noStartAfterEnd() {
        var (machine, _) = Self.started(path: "/lifelong.test.Probe/Unary")
        _ = Self.data(&machine, Self.framed([1]))
        #expect(machine.finish() == .trailersOnly)
        _ = machine.remoteEnded()
        #expect(machine.takeCollected() == nil)
    }

    @Test("END_STREAM sent while the client still sends asks for RST_STREAM; not after its end")
    func endStreamSent() {
        var (open, _) = Self.started(path: "/lifelong.test.Probe/Bidi")
        #expect(open.endStreamSent() == true)
        #expect(open.response == .ended)

        var (ended, _) = Self.started(path: "/lifelong.test.Probe/Bidi", endStream: true)
        #expect(ended.endStreamSent() == false)
    }

    @Test("a stream closing before its response ended asks to cancel the handler")
    func closed() {
        var (open, _) = Self.started(path: "/lifelong.test.Probe/Bidi")
        #expect(open.closed() == true)
        #expect(open.response == .ended)

        var (done, _) = Self.started(path: "/lifelong.test.Probe/Bidi", endStream: true)
        _ = done.endStreamSent()
        #expect(done.closed() == false)
    }

    @Test("an abandoned call sends nothing more and starts nothing")
    func abandon() {
        var (machine, _) = Self.started(path: "/lifelong.test.Probe/Unary")
        _ = Self.data(&machine, Self.framed([1]))
        machine.abandon()
        #expect(machine.finish() == .none)
        #expect(machine.takeCollected() == nil)
        guard case .discard = Self.data(&machine, Self.framed([2])) else {
            Issue.record("expected discard")
            return
        }
    }
}
