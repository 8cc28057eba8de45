import Foundation

/// Runs the project's Python helpers (test peers only, from the venv `make deps` installs).
enum PythonTools {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var interpreter: String {
        if let configured = ProcessInfo.processInfo.environment["LIFELONG_PYTHON"], !configured.isEmpty { return configured }
        return repositoryRoot.appendingPathComponent(".venv/bin/python").path
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `Tests/Interop/<script>` and returns its standard output; fails on a non-zero exit.
    static func run(_ script: String, _ arguments: [String]) async throws -> Data {
        guard FileManager.default.isExecutableFile(atPath: interpreter) else {
            throw Failure(description: "\(interpreter) is missing: run 'make deps' or set LIFELONG_PYTHON")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: interpreter)
        process.arguments = [repositoryRoot.appendingPathComponent("Tests/Interop/\(script)").path] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Blocking reads on threads of their own, not on the cooperative pool the server needs.
        let (out, err): (Data, Data) = await withCheckedContinuation { continuation in
            Thread {
                let out = output.fileHandleForReading.readDataToEndOfFile()
                let err = errors.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: (out, err))
            }.start()
        }
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(script) exited with \(process.terminationStatus): \(String(decoding: err, as: UTF8.self))")
        }
        return out
    }

    /// One scrape of a metrics endpoint, parsed by prometheus-client's parser.
    struct Scrape: Decodable {
        var status: Int
        var content_type: String?
        var samples: [Sample]

        struct Sample: Decodable {
            var name: String
            var labels: [String: String]
            var value: Double

            init(from decoder: any Decoder) throws {
                var container = try decoder.unkeyedContainer()
                name = try container.decode(String.self)
                labels = try container.decode([String: String].self)
                value = try container.decode(Double.self)
            }
        }

        /// The value of the one sample with this name and these labels (others ignored).
        func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
            samples.first { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }?.value
        }
    }

    static func scrape(port: Int, path: String = "/metrics") async throws -> Scrape {
        try JSONDecoder().decode(Scrape.self, from: try await run("scrape_metrics.py", ["http://127.0.0.1:\(port)\(path)"]))
    }
}
