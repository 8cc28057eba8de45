import LifelongCore
import LifelongLearning
import LifelongProto
import RPCCore
import Testing

extension TaskMiningSuites {
    @Suite("AllocateSamples: the allocator's answer, exactly as in-process")
    struct AllocateSamplesTests {
        @Test("attribute allocator: every held-out row goes where TaskAllocator sends it; unknown attributes go nowhere")
        func attributes() async throws {
            let data = try ScenarioSamples()
            var unknown = ScenarioSamples.samples(of: data.test, rows: [0, 1, 2])
            for index in unknown.indices { unknown[index].attributes[0].value = "site-99" }
            let (plan, reply) = try await TaskMiningHarness.withMining { mining in
                let plan = try await mining.defineTasks(data.defineRequest(.attributes))
                var request = Lifelong_V1_AllocateSamplesRequest()
                request.allocator = plan.allocator
                request.samples = ScenarioSamples.samples(of: data.test) + unknown
                return (plan, try await mining.allocateSamples(request))
            }
            let partition = try TaskPartition.define(
                data.train, by: .attributes, standardizer: FeatureStatistics(table: data.train.table), minTaskSize: 10, seed: 0)
            let inProcess = TaskAllocator(
                kind: .attributes, attributeNames: data.train.attributeNames,
                routes: partition.tasks.map { TaskAllocator.Route(values: $0.attributes, task: $0.name) },
                standardizer: FeatureStatistics(table: data.train.table), centroids: [], featureCount: 6)
            #expect(try TaskAllocator(message: #require(plan.allocator)).routes == inProcess.routes)
            #expect(reply.allocations.count == data.test.rowCount + 3)
            for row in 0..<data.test.rowCount {
                let expected = try inProcess.allocate(features: data.test.table.features(ofRow: row), attributes: data.test.attributes[row])
                #expect(reply.allocations[row].taskName == expected)
                #expect(reply.allocations[row].taskName == data.test.attributeKey(ofRow: row))
            }
            #expect(reply.allocations.suffix(3).allSatisfy { $0.taskName.isEmpty && !$0.bySimilarity })
        }

        @Test("cluster allocator: the nearest centroid and its distance, as in-process")
        func clusters() async throws {
            let data = try ScenarioSamples()
            let (plan, reply) = try await TaskMiningHarness.withMining { mining in
                let plan = try await mining.defineTasks(data.defineRequest(.clustering, minClusters: 2, maxClusters: 5, seed: 3))
                var request = Lifelong_V1_AllocateSamplesRequest()
                request.allocator = plan.allocator
                request.samples = ScenarioSamples.samples(of: data.test)
                return (plan, try await mining.allocateSamples(request))
            }
            let standardizer = FeatureStatistics(table: data.train.table)
            let partition = try TaskPartition.define(
                data.train, by: .clusters(kRange: 2...5), standardizer: standardizer, minTaskSize: 10, seed: 3)
            let inProcess = TaskAllocator(
                kind: .clusters, attributeNames: [], routes: [], standardizer: standardizer,
                centroids: zip(partition.centroids, partition.tasks).map { TaskAllocator.Centroid(coordinates: $0, task: $1.name) },
                featureCount: 6)
            #expect(try TaskAllocator(message: #require(plan.allocator)).centroids == inProcess.centroids)
            for row in 0..<data.test.rowCount {
                let features = data.test.table.features(ofRow: row)
                let expected = try #require(try inProcess.allocate(features: features, attributes: []))
                let centroid = try #require(inProcess.centroids.first { $0.task == expected })
                #expect(reply.allocations[row].taskName == expected)
                #expect(
                    reply.allocations[row].distance
                        == KMeansClustering.squaredDistance(standardizer.standardize(features), centroid.coordinates).squareRoot())
            }
        }
    }
}
