import ArgumentParser
import BenchmarkSupport
import CAllocationCounter
import Foundation
import LifelongCore
import LifelongLearning

/// `edge-benchmark pipeline`: the edge's per-sample step in-process, on the served form of an
/// index of `--tasks` task models of `--rounds` × classes trees of depth `--depth` (`BenchIndexOptions`) — task
/// allocation, the task's model, the unseen-task detectors (`TaskIndexPredictor.predict`,
/// exactly what `lifelong-edge` runs per sample) — its heap allocations per sample, one model
/// alone, and (with `--export`) that model's trees and rows for the tl2cgen comparison.
struct PipelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "The edge's per-sample step (TaskIndexPredictor) in-process: time, allocations, one model alone.")

    @OptionGroup var shape: BenchIndexOptions
    @Option(help: "Test rows per task (the samples predicted).") var testRowsPerTask = 50
    @Option(help: "Timed passes over every sample; the median pass is reported.") var passes = 7
    @Option(help: "Folder for one task model's trees (trees.json), every test row (test_x.f32) and that model's probabilities (ours_probabilities.f32), for scripts/learning/tl2cgen_bench.py and tl2cgen_single_row.")
    var export: String?

    func run() throws {
        let bench = try shape.build(testRowsPerTask: testRowsPerTask)
        // As the edge holds it: decoded from the snapshot and the model bytes, laid out for serving.
        let served = try TaskIndex(snapshot: bench.index.snapshot(jobId: "bench", version: 1), models: bench.index.modelBytes)
            .predictor()
        let test = bench.scenario.rounds[0].test
        let width = served.encoding.featureCount, samples = test.rowCount
        let features = (0..<samples).flatMap { test.table.features(ofRow: $0) }
        let attributes = test.attributes
        var probabilities = [Float](repeating: 0, count: served.outputCount)

        /// One pass over every sample; returns how many were flagged unseen.
        func pass() throws -> Int {
            var unseen = 0
            try features.withUnsafeBufferPointer { matrix in
                try probabilities.withUnsafeMutableBufferPointer { output in
                    for row in 0..<samples {
                        let prediction = try served.predict(
                            features: UnsafeBufferPointer(rebasing: matrix[row * width..<(row + 1) * width]),
                            attributes: attributes[row], probabilities: output)
                        if prediction.unseen { unseen += 1 }
                    }
                }
            }
            return unseen
        }
        let unseen = try pass()
        allocation_counter_start()
        _ = try pass()
        let allocations = allocation_counter_stop()
        let counting = allocation_counter_active() != 0
        let perSampleUs = try Self.medianSeconds(passes) { _ = try pass() } / Double(samples) * 1e6

        // One task's model alone, on every sample: the part tl2cgen's compiled C replaces.
        guard let firstTask = bench.index.assignments.first?.model, let stored = bench.index.models[firstTask],
              case .gradientBoostedTrees(let model) = stored.model
        else { throw ValidationError("the index has no tree model") }
        let compiled = stored.model.predictionModel
        let modelUs = try Self.medianSeconds(passes) {
            try features.withUnsafeBufferPointer { matrix in
                try probabilities.withUnsafeMutableBufferPointer { output in
                    for row in 0..<samples {
                        try compiled.predict(row: UnsafeBufferPointer(rebasing: matrix[row * width..<(row + 1) * width]), into: output)
                    }
                }
            }
        } / Double(samples) * 1e6
        if let export { try Self.export(model, rows: features, to: export) }

        let treeCounts = bench.treeCounts.sorted().map(String.init).joined(separator: ",")
        print("edge per-sample step (TaskIndexPredictor.predict: allocation + task model + detectors), release build")
        print("  \(served.taskNames.count) tasks, \(bench.index.models.count) models of \(treeCounts) trees (depth <= \(shape.depth), \(served.outputCount) classes); \(samples) test samples (\(unseen) flagged unseen)")
        print(String(format: "  per sample: %.3f µs (median of %d passes), %.0f samples/s", perSampleUs, passes, 1e6 / perSampleUs))
        print(String(format: "  one task model alone (compiled trees): %.3f µs per sample", modelUs))
        print("  heap allocations in one pass of \(samples) samples: \(counting ? "\(allocations)" : "not counted (allocator not wrapped)")")
        print(String(
            format: "SUMMARY per_sample_us=%.3f model_only_us=%.3f allocations_per_sample=%@ tasks=%d models=%d trees_per_model=%@ samples=%d features=%d",
            perSampleUs, modelUs, counting ? String(format: "%.4f", Double(allocations) / Double(samples)) : "nan",
            served.taskNames.count, bench.index.models.count, treeCounts, samples, width))
    }

    /// Median wall time of `passes` runs of `body`, in seconds.
    static func medianSeconds(_ passes: Int, _ body: () throws -> Void) rethrows -> Double {
        var times: [Double] = []
        for _ in 0..<max(passes, 1) {
            let start = ContinuousClock.now
            try body()
            let elapsed = ContinuousClock.now - start
            times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        return times.sorted()[times.count / 2]
    }

    /// Writes the model's trees and the rows with the model's probabilities, in the files
    /// tl2cgen_bench.py and tl2cgen_single_row read.
    static func export(_ model: GradientBoostedTrees, rows: [Float], to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try exportTrees(model, to: folder + "/trees.json")
        let probabilities = try model.predictBatch(rowMajor: rows)
        try rows.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: folder + "/test_x.f32")) }
        try probabilities.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: folder + "/ours_probabilities.f32")) }
    }
}
