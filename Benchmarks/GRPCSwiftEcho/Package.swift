// swift-tools-version:6.1
// The grpc-swift-2 anchor of `make bench-rpc` (scripts/rpc/bench.sh): an echo server for
// /lifelong.testing.v1.ProbeService/Echo on GRPCCore and grpc-swift-nio-transport's HTTP/2
// server transport (NIOPosix, plaintext). A package of its own so that the Lifelong package never
// depends on grpc-swift-2; bench.sh builds it in release into `.build-grpc-swift` at the repo root.
import PackageDescription

let package = Package(
    name: "GRPCSwiftEcho",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/grpc/grpc-swift-2", exact: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", exact: "2.9.2"),
        // The same SwiftNIO as the Lifelong package resolves, so both servers run on one NIO.
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    ],
    targets: [
        .executableTarget(
            name: "grpc-swift-echo-server",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/grpc-swift-echo-server",
            swiftSettings: [.swiftLanguageMode(.v6)]),
    ]
)
