import Foundation
import ProcessTestSupport

/// Runs the project's Python helpers (test peers only, from the venv `make deps` installs).
enum PythonTools {
    static var interpreter: String {
        if let configured = ProcessInfo.processInfo.environment["LIFELONG_PYTHON"], !configured.isEmpty { return configured }
        return TestProcess.repositoryRoot.appendingPathComponent(".venv/bin/python").path
    }

    /// Runs `Tests/Interop/<script>` and returns its standard output; fails on a non-zero exit.
    static func run(_ script: String, _ arguments: [String]) async throws -> Data {
        let path = TestProcess.repositoryRoot.appendingPathComponent("Tests/Interop/\(script)").path
        return Data(try await TestProcess.run(interpreter, [path] + arguments).utf8)
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
