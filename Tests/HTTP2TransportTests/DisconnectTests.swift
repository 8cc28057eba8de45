import Foundation
import HTTP2Transport
import RPCCore
import Testing

/// A client whose TCP connection is reset in the middle of a call (connection_client.py): the
/// handler learns it as an error, never as the end of its request (an upload cut off must not
/// look complete), a handler still writing gets an error instead of writing into the void, both
/// end, and the server keeps serving.
@Suite("TCP disconnects in the middle of a call")
struct DisconnectTests {
    static let upload = MethodDescriptor(fullyQualifiedService: "lifelong.test.Disconnect", method: "Upload")
    static let flood = MethodDescriptor(fullyQualifiedService: "lifelong.test.Disconnect", method: "Flood")

    /// Upload reads its request (sending its headers first, so the client knows the call
    /// started) and reports how the request ended; Flood writes until a write fails.
    static func makeServer() -> (HTTP2Server, AsyncStream<String>, CountingObserver) {
        let (events, sink) = AsyncStream<String>.makeStream()
        var router = RPCRouter()
        router.register(method: upload, kind: .clientStreaming) { request, _ in
            StreamingServerResponse(metadata: ["started": .string("yes")]) { writer in
                var messages = 0
                do {
                    for try await _ in request.messages {
                        messages += 1
                        sink.yield("received \(messages)")
                    }
                    sink.yield("request ended after \(messages) messages")
                } catch {
                    sink.yield("request failed after \(messages) messages: \(RPCError(mapping: error).code)")
                    throw error
                }
                try await writer.write([])
                return [:]
            }
        }
        router.register(method: flood, kind: .serverStreaming) { _, _ in
            StreamingServerResponse { writer in
                let chunk = [UInt8](repeating: 0x66, count: 16 << 10)
                do {
                    while true { try await writer.write(chunk) }
                } catch {
                    sink.yield("write failed: \(RPCError(mapping: error).code)")
                    throw error
                }
            }
        }
        let observer = CountingObserver()
        return (HTTP2Server(configuration: .init(host: "127.0.0.1", port: 0), router: router, observer: observer), events, observer)
    }

    @Test("reset during a client stream: the handler's request fails (UNAVAILABLE), it never looks complete")
    func midUpload() async throws {
        let (server, events, observer) = Self.makeServer()
        let port = try await server.start()
        let result = try await PythonPeer.run(
            "connection_client.py", arguments: ["disconnect_mid_upload", "127.0.0.1:\(port)"]
        ) { input in
            #expect(await ConnectionLifecycleTests.firstEvent(events, "received 3"))
            input.write(Data("go\n".utf8))
        }
        #expect(result.status == 0, "\(result.output)")
        var iterator = events.makeAsyncIterator()
        let ending = await iterator.next()
        #expect(ending == "request failed after 3 messages: UNAVAILABLE", "\(ending ?? "none")")
        #expect(try await Self.eventually { observer.counts.closed == observer.counts.opened })
        await server.shutdown()
    }

    @Test("reset during a response stream: the handler's next write fails and it ends")
    func midResponse() async throws {
        let (server, events, observer) = Self.makeServer()
        let port = try await server.start()
        let result = try await PythonPeer.run("connection_client.py", arguments: ["disconnect_mid_response", "127.0.0.1:\(port)"])
        #expect(result.status == 0, "\(result.output)")
        var iterator = events.makeAsyncIterator()
        let event = await iterator.next()
        #expect(event == "write failed: UNAVAILABLE", "\(event ?? "none")")
        #expect(try await Self.eventually { observer.counts.closed == observer.counts.opened })
        // The server still serves.
        let again = try await PythonPeer.run("connection_client.py", arguments: ["disconnect_mid_response", "127.0.0.1:\(port)"])
        #expect(again.status == 0, "\(again.output)")
        await server.shutdown()
    }

    static func eventually(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<400 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(25))
        }
        return condition()
    }
}
