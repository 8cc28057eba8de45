import LifelongCore
import LifelongLearning
import LifelongProto
import RPCCore
import Testing

extension TaskMiningSuites {
    @Suite("DiscoverRelations and BuildDetectors on a generated scenario")
    struct RelationsAndDetectorsTests {
        @Test("relations: every ordered pair with a positive weight, weights from accuracy and distance, groups partition the tasks")
        func relations() async throws {
            let data = try ScenarioSamples()
            let (plan, reply) = try await TaskMiningHarness.withMining { mining in
                let plan = try await mining.defineTasks(data.defineRequest(.attributes))
                var request = Lifelong_V1_DiscoverRelationsRequest()
                request.source = ScenarioSamples.source(ScenarioSamples.samples(of: data.train))
                request.schema = data.schema
                request.tasks = plan.tasks
                request.allocator = plan.allocator
                return (plan, try await mining.discoverRelations(request))
            }
            let names = Set(plan.tasks.map(\.name))
            #expect(!reply.relations.isEmpty)
            #expect(reply.relations.count <= names.count * (names.count - 1))
            for relation in reply.relations {
                #expect(names.contains(relation.fromTask) && names.contains(relation.toTask))
                #expect(relation.fromTask != relation.toTask)
                #expect(relation.weight > 0 && relation.weight <= 1)
                #expect((0...1).contains(relation.crossAccuracy))
                #expect(relation.weight == TaskRelationMiner.weight(crossAccuracy: relation.crossAccuracy, dataDistance: relation.dataDistance))
            }
            // Data distance is symmetric: it compares the plan's statistics of both tasks.
            let distance = Dictionary(uniqueKeysWithValues: reply.relations.map { ("\($0.fromTask)>\($0.toTask)", $0.dataDistance) })
            for relation in reply.relations {
                if let back = distance["\(relation.toTask)>\(relation.fromTask)"] { #expect(abs(back - relation.dataDistance) < 1e-12) }
            }
            // A task's relations from the same season's sites of its zone are more accurate than chance.
            #expect(reply.relations.map(\.crossAccuracy).max()! > 0.5)
            let members = reply.groups.flatMap(\.tasks)
            #expect(members.sorted() == names.sorted())
            #expect(Set(reply.groups.map(\.name)).count == reply.groups.count)
        }

        @Test("detectors: the distribution detector's false-positive rate on other held-out rows is near the target; foreign rows are flagged")
        func detectors() async throws {
            let data = try ScenarioSamples()
            let rows = Array(0..<data.test.rowCount)
            let calibration = rows.filter { $0 % 2 == 0 }, measurement = rows.filter { $0 % 2 == 1 }
            let target = 0.1
            let (plan, reply) = try await TaskMiningHarness.withMining { mining in
                let plan = try await mining.defineTasks(data.defineRequest(.attributes))
                var request = Lifelong_V1_BuildDetectorsRequest()
                request.source = ScenarioSamples.source(ScenarioSamples.samples(of: data.test, rows: calibration))
                request.schema = data.schema
                request.tasks = plan.tasks
                request.allocator = plan.allocator
                request.targetFalsePositiveRate = target
                return (plan, try await mining.buildDetectors(request))
            }
            #expect(reply.detectors.map(\.kind) == [.attributes, .distribution])
            let attributes = reply.detectors[0], distribution = reply.detectors[1]
            #expect(attributes.threshold == 0.5 && attributes.enabled)
            #expect(attributes.precision == 1 && attributes.recall == 1)
            #expect(distribution.targetFalsePositiveRate == target && distribution.enabled)
            #expect(distribution.threshold > 0)
            #expect(distribution.distances.map(\.taskName) == plan.tasks.map(\.name))
            #expect(distribution.distances.allSatisfy { $0.threshold > 0 })

            // The plan with its detectors, read back as Training reads a snapshot.
            let index = try data.index(of: plan, detectors: reply.detectors)
            let detector = try #require(index.detector(.distribution))
            func flagged(_ features: [Float]) -> Bool { detector.flags(index.nearestTasks(features, limit: 1).first!.distance) }
            let falsePositives = measurement.filter { flagged(data.test.table.features(ofRow: $0)) }.count
            let rate = Double(falsePositives) / Double(measurement.count)
            #expect(abs(rate - target) < 0.05, "false-positive rate \(rate) on \(measurement.count) held-out rows")
            // Rows 15 °C hotter than anything seen belong to no known task.
            let foreign = measurement.filter { row in
                var features = data.test.table.features(ofRow: row)
                features[0] += 15
                features[1] += 15
                return flagged(features)
            }.count
            #expect(Double(foreign) / Double(measurement.count) > 0.9)
        }
    }
}
