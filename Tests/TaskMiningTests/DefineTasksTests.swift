import LifelongCore
import LifelongLearning
import LifelongProto
import RPCCore
import Testing

extension TaskMiningSuites {
    @Suite("DefineTasks: by attributes and by clustering, as the lifelong core defines them")
    struct DefineTasksTests {
        @Test("by attributes: one task per site × season with its rows' statistics, and an attribute allocator")
        func byAttributes() async throws {
            let data = try ScenarioSamples()
            let reply = try await TaskMiningHarness.withMining { mining in
                try await mining.defineTasks(data.defineRequest(.attributes))
            }
            let expected = try TaskPartition.define(
                data.train, by: .attributes, standardizer: FeatureStatistics(table: data.train.table), minTaskSize: 10, seed: 7)
            #expect(reply.tasks.map(\.name) == expected.tasks.map(\.name))
            #expect(reply.tasks.count == 8)
            for (task, defined) in zip(reply.tasks, expected.tasks) {
                let statistics = FeatureStatistics(table: data.train.table, rows: defined.rows)
                #expect(task.sampleCount == Int64(defined.rows.count))
                #expect(task.statistics?.mean == statistics.mean)
                #expect(task.statistics?.stddev == statistics.stddev)
                #expect(task.attributes.map(\.value) == defined.attributes)
                #expect(task.attributes.map(\.name) == ["site", "season"])
                #expect(task.cluster == -1)
            }
            let allocator = try #require(reply.allocator)
            #expect(allocator.kind == .attributes)
            #expect(allocator.attributeNames == ["site", "season"])
            #expect(allocator.routes.map(\.taskName) == expected.tasks.map(\.name))
            #expect(allocator.featureCount == 6)
            #expect(reply.clusterScores.isEmpty)
            // The plan is what a snapshot carries: the core reads it back as an index.
            let index = try data.index(of: reply)
            #expect(index.tasks.map(\.name) == expected.tasks.map(\.name))
        }

        @Test("by clustering: the same clusters, centroids and silhouettes as TaskPartition in-process")
        func byClustering() async throws {
            let data = try ScenarioSamples()
            let reply = try await TaskMiningHarness.withMining { mining in
                try await mining.defineTasks(data.defineRequest(.clustering, minClusters: 2, maxClusters: 5, seed: 11))
            }
            let expected = try TaskPartition.define(
                data.train, by: .clusters(kRange: 2...5), standardizer: FeatureStatistics(table: data.train.table), minTaskSize: 10,
                seed: 11)
            #expect(reply.tasks.map(\.name) == expected.tasks.map(\.name))
            #expect(reply.tasks.map(\.sampleCount) == expected.tasks.map { Int64($0.rows.count) })
            #expect(reply.tasks.map(\.cluster) == expected.tasks.map { Int32($0.cluster ?? -1) })
            let allocator = try #require(reply.allocator)
            #expect(allocator.kind == .clusters)
            #expect(allocator.centroids.map(\.coordinates) == expected.centroids)
            #expect(allocator.featureMean == FeatureStatistics(table: data.train.table).mean)
            #expect(reply.criterion == "silhouette")
            #expect(reply.clusterScores == (2...5).map { expected.silhouetteByK[$0]! })
            #expect(reply.tasks.reduce(0) { $0 + $1.sampleCount } == Int64(data.train.rowCount))
            _ = try data.index(of: reply)
        }

        @Test("both ends of the cluster range at 0 take the default range 2…8")
        func defaultClusterRange() async throws {
            let data = try ScenarioSamples()
            let reply = try await TaskMiningHarness.withMining { mining in
                try await mining.defineTasks(data.defineRequest(.clustering))
            }
            #expect(reply.clusterScores.count == 7)
            #expect((2...8).contains(reply.tasks.count))
        }
    }
}
