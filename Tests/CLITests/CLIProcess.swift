import Foundation
import ProcessTestSupport
import ServiceAuth
import ServiceHostTesting

/// Runs the built `lifelong` executable to completion.
enum CLIProcess {
    struct Run: Sendable {
        var status: Int32
        var output: String
        var error: String
    }

    /// Where `swift build` put `lifelong`.
    static func executable() throws -> URL {
        try TestProcess.builtExecutable("lifelong")
    }

    /// The environment of a run: the test tokens' admin token is what the CLI sends (the
    /// doubles are hosted with auth on), and no local stack of the repository is in the way.
    static var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["LIFELONG_TOKEN_FILE"] = TestServiceHost.tokens.tokenFile(.admin)
        environment["LIFELONG_STACK_DIR"] = FileManager.default.temporaryDirectory.appendingPathComponent("lifelong-cli-test-stack").path
        return environment
    }

    /// Runs `lifelong arguments…` on a thread of its own (blocking reads stay off the
    /// concurrency pool) and returns its exit status, standard output and standard error.
    static func run(_ arguments: [String]) async throws -> Run {
        let url = try executable()
        let environment = Self.environment
        return try await withCheckedThrowingContinuation { continuation in
            Thread {
                do {
                    let process = Process()
                    process.executableURL = url
                    process.arguments = arguments
                    process.environment = environment
                    let output = Pipe(), error = Pipe()
                    process.standardOutput = output
                    process.standardError = error
                    try process.run()
                    // Errors are short; the output is read to its end first so the pipe never fills.
                    let out = output.fileHandleForReading.readDataToEndOfFile()
                    let err = error.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    continuation.resume(returning: Run(
                        status: process.terminationStatus, output: String(decoding: out, as: UTF8.self),
                        error: String(decoding: err, as: UTF8.self)))
                } catch {
                    continuation.resume(throwing: error)
                }
            }.start()
        }
    }
}
