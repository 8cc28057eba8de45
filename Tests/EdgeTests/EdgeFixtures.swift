import Edge
import Foundation
import LifelongCore
import LifelongLearning
import LifelongProto

/// A small seeded thermal-comfort scenario (4 sites × 2 seasons, 120 rows per task) learned
/// by `LifelongLearner` with fast settings: snapshot v1 after the initial round, v2 after
/// round 1 (two new sites). Computed once per test process.
struct EdgeFixtures: Sendable {
    let scenario: ThermalComfortScenario
    let v1: TaskIndex
    let v2: TaskIndex

    static let shared: EdgeFixtures = {
        do { return try EdgeFixtures() } catch { fatalError("edge fixtures: \(error)") }
    }()

    static let jobId = "job-edge"

    private init() throws {
        var parameters = ScenarioParameters()
        parameters.initialSites = 4
        parameters.rounds = 1
        parameters.initialSamplesPerTask = 120
        parameters.newSiteSamplesPerTask = 40
        parameters.testSamplesPerTask = 40
        scenario = try ThermalComfortScenario(parameters: parameters)
        var configuration = LifelongConfiguration()
        configuration.model.rounds = 20
        configuration.model.learningRate = 0.3
        configuration.tunesPrior = false
        var learner = try LifelongLearner(configuration: configuration)
        try learner.update(with: scenario.rounds[0].train, timeUs: 1)
        v1 = learner.index!
        try learner.update(with: scenario.rounds[1].train, timeUs: 2)
        v2 = learner.index!
    }

    /// The snapshot message of `index` at `version`.
    static func message(_ index: TaskIndex, version: Int64) -> Lifelong_V1_TaskIndexSnapshot {
        index.snapshot(jobId: jobId, version: version, baseVersion: version - 1)
    }

    /// Stores `index` (models, then the snapshot) as the store's current snapshot, as a sync would.
    static func install(_ index: TaskIndex, version: Int64, into store: EdgeStore) throws {
        let installer = SnapshotInstaller(store: store, slot: SnapshotSlot())
        for (digest, bytes) in index.modelBytes { try installer.storeModel(digest: digest, bytes: bytes) }
        try installer.install(message(index, version: version))
    }

    /// Rows of `set` as EdgeInference inputs (keys `prefix` + row).
    static func inputs(of set: LabelledSet, rows: Range<Int>, keyPrefix: String = "k") -> [Lifelong_V1_InferenceInput] {
        rows.map { row in
            var input = Lifelong_V1_InferenceInput()
            input.key = "\(keyPrefix)\(row)"
            input.features = set.table.features(ofRow: row).map(Double.init)
            input.attributes = zip(set.attributeNames, set.attributes[row]).map { name, value in
                var attribute = Lifelong_V1_AttributeValue()
                attribute.name = name
                attribute.value = value
                return attribute
            }
            return input
        }
    }

    /// Test rows of the initial sites (known tasks).
    var known: LabelledSet { scenario.rounds[0].test }
    /// Test rows of round 1's new sites (unknown to v1: flagged unseen by the attribute detector).
    var newSites: LabelledSet {
        let set = scenario.rounds[1].test
        let fresh = Set(scenario.rounds[1].newTasks)
        return set.selecting(rows: (0..<set.rowCount).filter { fresh.contains(set.attributeKey(ofRow: $0)) })
    }
}

/// A store in a fresh temporary directory, deleted afterwards.
enum TemporaryStore {
    static func with<T>(_ body: (String) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edge-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try await body(directory.appendingPathComponent("edge.sqlite").path)
    }
}
