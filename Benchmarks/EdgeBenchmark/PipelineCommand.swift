// `edge-benchmark pipeline` (`make bench-edge`, its in-process part): the edge's per-sample
// pipeline in-process — task allocation, the task's model, the unseen-task detectors, exactly
// what `lifelong-edge` runs per sample (`TaskIndex.predict`) — on the index the learner builds
// for the default thermal-comfort scenario, and the process's resident memory with that index
// loaded. The comparison with Seldon MLServer over the network is scripts/edge/bench.sh.
import ArgumentParser
import Foundation
import LifelongCore
import LifelongLearning

struct PipelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline", abstract: "The edge's per-sample pipeline (TaskIndex.predict) and RSS, in-process.")

    @Option(help: "Scenario seed.") var seed: UInt64 = 42
    @Option(help: "Timed passes over every test row; the median pass is reported.") var passes = 7

    func run() throws {
        var parameters = ScenarioParameters()
        parameters.seed = seed
        let scenario = try ThermalComfortScenario(parameters: parameters)
        var learner = try LifelongLearner(configuration: LifelongConfiguration())
        for round in scenario.rounds { try learner.update(with: round.train, timeUs: Int64(round.index)) }
        guard let index = learner.index else { throw ValidationError("the learner built no index") }
        // The index as the edge holds it: decoded from its snapshot and model bytes.
        let served = try TaskIndex(snapshot: index.snapshot(jobId: "bench", version: 1), models: index.modelBytes)
        var rows: [(features: [Float], attributes: [String])] = []
        for round in scenario.rounds {
            let test = round.test
            for row in 0..<test.rowCount { rows.append((test.table.features(ofRow: row), test.attributes[row])) }
        }
        var unseen = 0
        for row in rows where try served.predict(features: row.features, attributes: row.attributes).unseen { unseen += 1 }
        var passTimes: [Double] = []
        for _ in 0..<passes {
            let start = ContinuousClock.now
            for row in rows { _ = try served.predict(features: row.features, attributes: row.attributes) }
            let elapsed = ContinuousClock.now - start
            passTimes.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        let median = passTimes.sorted()[passTimes.count / 2]
        let perSampleUs = median / Double(rows.count) * 1e6
        let modelBytes = served.models.values.reduce(0) { $0 + $1.bytes.count }
        let rssMiB = Double(Self.residentBytes()) / 1_048_576
        print("edge per-sample pipeline (TaskIndex.predict: allocation + model + detectors), release build")
        print(String(format: "  tasks %d, models %d (%.1f KiB encoded), test rows %d (%d flagged unseen)",
                     served.tasks.count, served.models.count, Double(modelBytes) / 1024, rows.count, unseen))
        print(String(format: "  per sample: %.2f µs (median of %d passes)   samples/s: %.0f", perSampleUs, passes, 1e6 / perSampleUs))
        // Not the edge's own footprint: this process also holds the scenario and the learner.
        print(String(format: "  benchmark process RSS (scenario, learner and served index): %.1f MiB", rssMiB))
        print(String(format: "SUMMARY per_sample_us=%.2f samples_per_s=%.0f tasks=%d models=%d benchmark_rss_mib=%.1f",
                     perSampleUs, 1e6 / perSampleUs, served.tasks.count, served.models.count, rssMiB))
    }

    /// VmRSS of this process, from /proc/self/status.
    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kib = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kib * 1024
    }
}
