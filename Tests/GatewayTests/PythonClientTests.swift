import Foundation
import LifelongProto
import ProcessTestSupport
import RPCCore
import ServiceHostTesting
import ServiceAuth
import Testing

/// The client examples the README shows, against the whole system: the Python script (its
/// stubs generated from Proto/ by grpcio-tools when it starts) on a CSV that `lifelong
/// scenario` wrote, and the Swift program built on the `LifelongClient` product alone.
@Suite("Client examples", .serialized)
struct PythonClientTests {
    /// `make test` sets it to the venv's interpreter, which has grpcio and grpcio-tools.
    static let python = ProcessInfo.processInfo.environment["LIFELONG_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }

    @Test(
        "the Python example trains a job on a scenario CSV and prints the report the Swift client reads; the Swift example lists the job",
        .enabled(if: python != nil, "LIFELONG_PYTHON is unset: run `make test`, or set it to a Python with grpcio and grpcio-tools"))
    func examples() async throws {
        let python = try #require(Self.python)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pyclient-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let generated = try await TestProcess.run(
            try ServiceProcess.executable(named: "lifelong").path,
            ["scenario", "--output", folder.path, "--initial-sites", "3", "--rounds", "1", "--initial-samples", "60"])
        // "initial: 360 training rows, … new tasks: site-00_summer site-00_winter …"
        let initial = try #require(generated.split(separator: "\n").first { $0.hasPrefix("initial: ") })
        let tasks = try #require(initial.components(separatedBy: "new tasks: ").last).split(separator: " ").map(String.init)
        #expect(tasks.count == 6, "\(initial)")

        try await LoopStack.with(job: "comfort", edges: 0) { stack in
            let gatewayAddress = "127.0.0.1:\(stack.gatewayPort)"
            let script = TestProcess.repositoryRoot.appendingPathComponent("Examples/python/lifelong_client_example.py")
            let output = try await TestProcess.run(
                python,
                [
                    script.path, "--gateway", gatewayAddress, "--job", "comfort",
                    "--csv", folder.appendingPathComponent("initial.csv").path, "--timeout", "60",
                    "--token-file", TestServiceHost.tokens.tokenFile(.admin),
                ])
            #expect(output.contains("created job comfort: 6 features"), "\(output)")
            #expect(output.contains("ingested 360 rows (0 already there)"), "\(output)")
            let printed = Self.taskAccuracies(in: output)
            #expect(printed.keys.sorted() == tasks.sorted(), "\(output)")

            // The same report through the Swift client.
            var request = Lifelong_V1_GetJobRequest()
            request.jobId = "comfort"
            let job = try await stack.gateway.getJob(request)
            #expect(job.roundsCompleted == 1, "\(job)\n\(output)")
            #expect(job.deployedVersion > 0, "\(job)\n\(output)")
            #expect(job.pendingSamples == 0, "\(job)")
            let report = try await stack.gateway.getReport(request)
            #expect(report.snapshotVersion == job.deployedVersion)
            let method = try #require(report.methods.first)
            #expect(method.matrix?.testSets == ["round-1"])
            #expect(output.contains("average accuracy \(String(format: "%.3f", method.averageAccuracy))"), "\(output)")
            for task in method.tasks {
                #expect(printed[task.taskName] == String(format: "%.3f", task.accuracy), "\(task.taskName): \(task.accuracy)")
            }

            // The Swift example lists the job and prints the same table.
            let example = try await TestProcess.run(
                try ServiceProcess.executable(named: "gateway-client-example").path, [gatewayAddress],
                environment: ["LIFELONG_TOKEN": TestServiceHost.token(.admin).value])
            #expect(example.contains("1 job(s) at \(gatewayAddress)"), "\(example)")
            #expect(example.contains("job comfort: train waiting, 1 round(s), version \(job.deployedVersion) deployed"), "\(example)")
            #expect(Self.taskAccuracies(in: example) == printed, "\(example)")
        }
    }

    @Test(
        "the README's excerpts of the examples are lines of the examples",
        arguments: [("python", "Examples/python/lifelong_client_example.py"), ("swift", "Examples/GatewayClient/main.swift")])
    func readmeExcerpt(language: String, path: String) throws {
        let root = TestProcess.repositoryRoot
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "## Calling Lifelong from your code").dropFirst().first)
        let block = try #require(section.components(separatedBy: "```\(language)\n").dropFirst().first?.components(separatedBy: "```").first)
        let source = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
        let lines = Set(source.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
        let shown = block.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0 != "..." }
        #expect(shown.count >= 5, "the README shows the \(language) example")
        for line in shown { #expect(lines.contains(line), "README line not in \(path): \(line)") }
    }

    /// The `task NAME accuracy X  (N test rows)` lines both examples print, by task.
    static func taskAccuracies(in output: String) -> [String: String] {
        var accuracies: [String: String] = [:]
        for line in output.split(separator: "\n") where line.hasPrefix("task ") {
            let words = line.split(separator: " ")
            if words.count >= 4, words[2] == "accuracy" { accuracies[String(words[1])] = String(words[3]) }
        }
        return accuracies
    }
}
