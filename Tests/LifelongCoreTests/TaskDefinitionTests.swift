import LifelongCore
import LifelongLearning
import Testing

@Suite("Task definition")
struct TaskDefinitionTests {
    @Test("attribute tasks: one per combination, attribute columns are not features")
    func attributes() throws {
        let set = Fixtures.scenario.rounds[0].train
        let partition = try TaskPartition.define(
            set, by: .attributes, standardizer: FeatureStatistics(table: set.table), minTaskSize: 10, seed: 0)
        let p = Fixtures.scenario.parameters
        #expect(partition.tasks.count == p.initialSites * p.seasons)
        #expect(partition.tasks.allSatisfy { $0.rows.count == p.initialSamplesPerTask })
        #expect(partition.tasks.map(\.name) == partition.tasks.map(\.name).sorted())
        #expect(set.table.encoding.features.map(\.name) == ThermalComfortScenario.featureNames)
    }

    /// Three well-separated blobs in two numeric features.
    static func blobs(perBlob: Int) throws -> LabelledSet {
        var random = SeededGenerator(seed: 3)
        var rows: [Float] = [], labels: [Float] = []
        for (cx, cy) in [(0.0, 0.0), (10.0, 10.0), (20.0, 0.0)] {
            for index in 0..<perBlob {
                rows += [Float(cx + Double.random(in: -1...1, using: &random)), Float(cy + Double.random(in: -1...1, using: &random))]
                labels.append(Float(index % 2))
            }
        }
        let classes = try CategoricalEncoding(categories: ["a", "b"])
        let table = try Table(
            encoding: .numeric(featureCount: 2, label: .classification(classes: classes)), rowMajor: rows, labels: labels)
        return try LabelledSet(table: table, attributeNames: [], attributes: [])
    }

    @Test("k-means++ picks k = 3 by silhouette on three blobs")
    func clusters() throws {
        let set = try Self.blobs(perBlob: 40)
        let partition = try TaskPartition.define(
            set, by: .clusters(kRange: 2...6), standardizer: FeatureStatistics(table: set.table), minTaskSize: 5, seed: 1)
        #expect(partition.tasks.count == 3)
        #expect(Set(partition.tasks.map(\.rows.count)) == [40])
        #expect(partition.silhouetteByK[3]! > partition.silhouetteByK[2]!)
        #expect(partition.silhouetteByK[3]! > partition.silhouetteByK[4]!)
    }

    @Test("clusters below the minimum size are merged into their nearest neighbour")
    func merging() throws {
        let set = try Self.blobs(perBlob: 40)
        let partition = try TaskPartition.define(
            set, by: .clusters(kRange: 3...3), standardizer: FeatureStatistics(table: set.table), minTaskSize: 50, seed: 1)
        #expect(partition.tasks.allSatisfy { $0.rows.count >= 50 })
        #expect(partition.tasks.reduce(0) { $0 + $1.rows.count } == 120)
    }

    @Test("an empty set and attribute tasks without attributes are errors")
    func badInput() throws {
        let set = try Self.blobs(perBlob: 5)
        #expect(throws: LifelongError.self) {
            try TaskPartition.define(set.selecting(rows: []), by: .attributes, standardizer: FeatureStatistics(table: set.table), minTaskSize: 1, seed: 0)
        }
        #expect(throws: LifelongError.self) {
            try TaskPartition.define(set, by: .attributes, standardizer: FeatureStatistics(table: set.table), minTaskSize: 1, seed: 0)
        }
    }

    @Test("the lifelong learner with cluster tasks routes by nearest centroid and creates clusters for novel data")
    func clusterLearner() throws {
        var configuration = Fixtures.configuration
        configuration.definition = .clusters(kRange: 2...5)
        var learner = try LifelongLearner(configuration: configuration)
        let blobs = try Self.blobs(perBlob: 60)
        let first = blobs.selecting(rows: Array(0..<120))  // two blobs
        try learner.update(with: first)
        let index = try #require(learner.index)
        #expect(index.tasks.count == 2)
        #expect(index.allocator.kind == .clusters)
        let report = try learner.update(with: blobs.selecting(rows: Array(120..<180)))  // the third blob
        #expect(report.created.count >= 1)
        #expect(learner.index!.tasks.count >= 3)
    }
}
