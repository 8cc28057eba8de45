// `edge-benchmark make-store` (`make bench-edge`, scripts/edge/bench.sh): the edge store the
// network benchmark serves, and what the MLServer side needs to serve a model of the same shape.
import ArgumentParser
import Edge
import Foundation
import LifelongCore
import LifelongLearning

/// Writes, into `--output`:
/// - `edge.sqlite`: an edge store (``EdgeStore``, installed as a sync would) holding an index of
///   `--tasks` task models (``BenchIndex``), which `lifelong-edge --store` serves with no cloud;
/// - `train.csv`: the training rows of the first task (its model's rows), for XGBoost;
/// - `edge-1.bin`, `edge-256.bin`: V2 `ModelInfer` requests of 1 and 256 test rows of that task
///   (rows no detector flags, so a request commits nothing to the store), gRPC-framed (``V2Request``);
/// - `manifest.json`: the model's shape and training parameters, the task, and the
///   probabilities and classes the index predicts in-process for the 256 rows (``Manifest``).
struct MakeStoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make-store", abstract: "Writes the edge store, XGBoost's training rows and the V2 requests of bench-edge.")

    @Option(help: "Directory to write into (created when absent).") var output: String
    @OptionGroup var shape: BenchIndexOptions
    @Option(help: "The job id of the snapshot, and the model's name in the Open Inference Protocol.") var model = "edge-bench"

    /// Rows of the large request.
    static let batchRows = 256

    func run() throws {
        let started = ContinuousClock.now
        let parameters = shape.parameters
        let built = try shape.build(testRowsPerTask: Self.batchRows * 2)
        let directory = URL(fileURLWithPath: output, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)

        let storePath = directory.appendingPathComponent("edge.sqlite").path
        try Self.writeStore(built.index, jobId: model, path: storePath)

        guard let task = built.index.tasks.first, let trainRows = built.learner.trainingRows(of: task.name) else {
            throw ValidationError("the index has no task")
        }
        try trainRows.writeCSV(to: directory.appendingPathComponent("train.csv"))
        let test = built.scenario.rounds[0].test
        let predictor = try built.index.predictor()
        var rows: [(features: [Float], attributes: [String], prediction: TaskPrediction)] = []
        for row in 0..<test.rowCount where test.attributes[row] == task.attributes && rows.count < Self.batchRows {
            let features = test.table.features(ofRow: row)
            let prediction = try predictor.predict(features: features, attributes: task.attributes)
            if !prediction.unseen { rows.append((features, task.attributes, prediction)) }
        }
        guard rows.count == Self.batchRows else {
            throw ValidationError("task \(task.name) has \(rows.count) test rows no detector flags, fewer than \(Self.batchRows)")
        }
        for count in [1, Self.batchRows] {
            let request = V2Request.modelInfer(
                model: model, features: rows.prefix(count).map(\.features), attributes: rows.prefix(count).map(\.attributes))
            try Data(try V2Request.grpcFramed(request)).write(to: directory.appendingPathComponent("edge-\(count).bin"))
        }

        let encoding = built.index.encoding
        let manifest = Manifest(
            model: model, task: task.name, attributeNames: built.index.attributeNames, attributes: task.attributes,
            featureNames: encoding.features.map(\.name), classNames: encoding.classNames, labelName: encoding.labelName,
            tasks: built.index.tasks.count, models: built.index.models.count, treesPerModel: built.treeCounts.sorted(),
            rounds: shape.rounds, maxDepth: shape.depth, learningRate: parameters.learningRate, l2Lambda: parameters.l2Lambda,
            minChildWeight: parameters.minChildWeight, maxBins: parameters.maxBins, trainRows: trainRows.rowCount,
            expectedProbabilities: rows.map(\.prediction.probabilities), expectedClasses: rows.map(\.prediction.predictedClass))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(manifest).write(to: directory.appendingPathComponent("manifest.json"))

        let modelBytes = built.index.models.values.reduce(0) { $0 + $1.bytes.count }
        let storeBytes = (try? FileManager.default.attributesOfItem(atPath: storePath)[.size] as? Int) ?? 0
        let elapsed = ContinuousClock.now - started
        print("make-store: \(manifest.tasks) tasks, \(manifest.models) models (task models + the global model), "
            + "trees per model \(manifest.treesPerModel.map(String.init).joined(separator: "/")) (\(shape.rounds) rounds × "
            + "\(encoding.classCount) classes, depth ≤ \(shape.depth)); "
            + String(format: "%.1f MiB of encoded models, store %.1f MiB; ", Double(modelBytes) / 1_048_576, Double(storeBytes) / 1_048_576)
            + "task \(task.name): \(trainRows.rowCount) training rows; made in \(elapsed.formatted(.units(allowed: [.seconds])))")
    }

    /// A new store at `path` holding `index` as its current snapshot (models, then the snapshot,
    /// as a sync installs them); closed when this returns.
    static func writeStore(_ index: TaskIndex, jobId: String, path: String) throws {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let installer = SnapshotInstaller(store: try EdgeStore(path: path), slot: SnapshotSlot())
        for (digest, bytes) in index.modelBytes { try installer.storeModel(digest: digest, bytes: bytes) }
        try installer.install(index.snapshot(jobId: jobId, version: 1))
    }
}

/// What scripts/edge/bench_run.py reads of the store and requests `make-store` wrote.
struct Manifest: Codable {
    var model: String
    var task: String
    var attributeNames: [String]
    var attributes: [String]
    var featureNames: [String]
    var classNames: [String]
    var labelName: String
    var tasks: Int
    var models: Int
    var treesPerModel: [Int]
    var rounds: Int
    var maxDepth: Int
    var learningRate: Float
    var l2Lambda: Float
    var minChildWeight: Float
    var maxBins: Int
    var trainRows: Int
    /// Per row of `edge-256.bin` (the first is `edge-1.bin`'s), the index's answer in-process.
    var expectedProbabilities: [[Float]]
    var expectedClasses: [Int]
}
