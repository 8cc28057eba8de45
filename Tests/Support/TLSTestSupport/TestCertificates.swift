public import Foundation
public import HTTP2Transport

/// Throwaway TLS material for one test, made by `scripts/tls/make-test-certs.sh` in a fresh
/// temporary folder (no key is committed): a CA, a valid server certificate for 127.0.0.1 and
/// localhost, an expired one, one from another CA, and one for the name localhost only.
public struct TestCertificates: Sendable {
    /// The folder holding the files.
    public let directory: URL

    /// The repository root, found from this file's path.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Why the script failed.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs the script into a new temporary folder.
    /// - Throws: ``Failure`` with the script's output when it fails.
    public static func make() async throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lifelong-tls-\(UUID().uuidString)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [repositoryRoot.appendingPathComponent("scripts/tls/make-test-certs.sh").path, directory.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // Blocking work on a thread of its own, never on the cooperative pool servers need.
        let text = await withCheckedContinuation { continuation in
            Thread {
                let data = output.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: String(decoding: data, as: UTF8.self))
            }.start()
        }
        guard process.terminationStatus == 0 else {
            throw Failure(description: "make-test-certs.sh exited \(process.terminationStatus): \(text)")
        }
        return TestCertificates(directory: directory)
    }

    /// The path of a file in ``directory`` (`ca.pem`, `server.key`, …).
    public func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }

    /// The test CA.
    public var ca: String { path("ca.pem") }
    /// The CA that signed `other.pem` only.
    public var otherCA: String { path("other-ca.pem") }

    /// Server settings for `<name>.pem` and `<name>.key`: `server` (valid), `expired`, `other`
    /// (another CA), `named` (valid for localhost only).
    public func server(_ name: String = "server") -> TLSServerSettings {
        TLSServerSettings(certificateChainFile: path("\(name).pem"), privateKeyFile: path("\(name).key"))
    }

    /// Writes `<name>.pem`/`.key` over the files of ``server(_:)`` `server` (each atomically), as
    /// a renewal would.
    public func replaceServerCertificate(with name: String) throws {
        for suffix in ["pem", "key"] {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path("\(name).\(suffix)")))
            try bytes.write(to: URL(fileURLWithPath: path("server.\(suffix)")), options: .atomic)
        }
    }

    /// Deletes the folder.
    public func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}
