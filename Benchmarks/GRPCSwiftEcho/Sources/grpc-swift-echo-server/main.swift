// grpc-swift-echo-server: the grpc-swift-2 anchor of `make bench-rpc`. Serves the unary method
// /lifelong.testing.v1.ProbeService/Echo and answers every call with the message it received,
// like the other anchors (they decode the Leaf and send it back, which for the benchmark's
// Leaf is the same bytes). Messages stay `[UInt8]` through a pass-through serializer and
// deserializer, so no protoc plugin and no protobuf runtime are involved.
//
// usage: grpc-swift-echo-server [--host H] [--port P] [--no-flush-coalescing]
//   Prints `PORT n` once listening (n is the bound port, so --port 0 works) and runs until killed.
//   The transport runs with its defaults (as bench.sh uses it); --no-flush-coalescing turns off
//   its batching of flushes (up to 100 us), which single-in-flight calls otherwise wait for.
import ArgumentParser
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Hands a response message to the transport as it is.
struct PassThroughSerializer: MessageSerializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes {
        Bytes(message)
    }
}

/// Takes a request message from the transport as it is.
struct PassThroughDeserializer: MessageDeserializer {
    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
        serializedMessageBytes.withUnsafeBytes { [UInt8]($0) }
    }
}

/// lifelong.testing.v1.ProbeService with its Echo method only (the benchmark calls nothing else;
/// any other method gets the router's UNIMPLEMENTED).
struct ProbeEchoService: RegistrableRPCService {
    static let echo = MethodDescriptor(
        fullyQualifiedService: "lifelong.testing.v1.ProbeService", method: "Echo", type: .unary)

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        router.registerHandler(
            forMethod: Self.echo, deserializer: PassThroughDeserializer(), serializer: PassThroughSerializer()
        ) { stream, _ in
            // Unary on top of the router's streaming shape: exactly one request message in,
            // one response message out (what generated unary stubs do as well).
            let request = try await ServerRequest(stream: stream)
            return StreamingServerResponse(single: ServerResponse(message: request.message))
        }
    }
}

@main
struct GRPCSwiftEchoServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grpc-swift-echo-server",
        abstract: "grpc-swift-2 echo server for lifelong.testing.v1.ProbeService/Echo (make bench-rpc).")

    @Option(help: "The IPv4 address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0: any free port).")
    var port = 0

    @Flag(inversion: .prefixedNo, help: "Batch outbound flushes (the transport's default: up to 100 us or 64 KiB).")
    var flushCoalescing = true

    func run() async throws {
        let server = GRPCServer(
            transport: .http2NIOPosix(
                address: .ipv4(host: host, port: port), transportSecurity: .plaintext,
                config: .defaults { config in
                    if !flushCoalescing { config.connection.flushCoalescing = nil }
                },
                eventLoopGroup: .singletonMultiThreadedEventLoopGroup),
            services: [ProbeEchoService()])
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await server.serve() }
            // Resolves once the listener is bound (and throws if binding failed).
            let address = try await server.transport.listeningAddress
            print("PORT \(address.ipv4?.port ?? port)")
            fflush(nil)
        }
    }
}
