import Foundation
import ProcessTestSupport

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

    /// Runs `lifelong arguments…` on a thread of its own (blocking reads stay off the
    /// concurrency pool) and returns its exit status, standard output and standard error.
    static func run(_ arguments: [String]) async throws -> Run {
        let url = try executable()
        return try await withCheckedThrowingContinuation { continuation in
            Thread {
                do {
                    let process = Process()
                    process.executableURL = url
                    process.arguments = arguments
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
