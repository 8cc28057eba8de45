import LifelongCore
import LifelongLearning
import LifelongProto
import RPCCore
import Testing

extension TaskMiningSuites {
    @Suite("Bad input: INVALID_ARGUMENT naming the field; UNAVAILABLE without a knowledge base")
    struct BadInputTests {
        /// A defective DefineTasks request and the field its error must name.
        struct Case: Sendable, CustomTestStringConvertible {
            let field: String
            let change: @Sendable (inout Lifelong_V1_DefineTasksRequest) -> Void
            var testDescription: String { field }
        }

        static let defineCases: [Case] = [
            Case(field: "schema") { $0.schema = nil },
            Case(field: "schema.columns") { $0.schema?.columns = [] },
            Case(field: "schema.columns[1].kind") { $0.schema?.columns[1].kind = .unspecified },
            Case(field: "schema.columns[2].name") {
                let first = $0.schema?.columns[0].name ?? ""
                $0.schema?.columns[2].name = first
            },
            Case(field: "schema.classes") { $0.schema?.classes = ["only"] },
            Case(field: "schema.attribute_names") { $0.schema?.attributeNames = [] },
            Case(field: "method") { $0.method = .unspecified },
            Case(field: "method") { $0.method = .unrecognized(9) },
            Case(field: "min_task_samples") { $0.minTaskSamples = -1 },
            Case(field: "min_clusters") {
                $0.method = .clustering
                $0.minClusters = 5
                $0.maxClusters = 3
            },
            Case(field: "max_clusters") {
                $0.method = .clustering
                $0.minClusters = 2
                $0.maxClusters = 1_000
            },
            Case(field: "source") { $0.source = nil },
            Case(field: "source") { $0.source = Lifelong_V1_SampleSource() },
            Case(field: "source.samples[3].features") { $0.source?.samples[3].features.removeLast() },
            Case(field: "source.samples[4].features[0]") { $0.source?.samples[4].features[0] = .infinity },
            Case(field: "source.samples[5].label.class_index") { $0.source?.samples[5].label?.classIndex = 7 },
            Case(field: "source.kinds[0]") {
                $0.source = Lifelong_V1_SampleSource()
                $0.source?.jobId = "j"
                $0.source?.kinds = [.unspecified]
            },
            Case(field: "source.to_sequence") {
                $0.source = Lifelong_V1_SampleSource()
                $0.source?.jobId = "j"
                $0.source?.fromSequence = 10
                $0.source?.toSequence = 5
            },
        ]

        @Test("DefineTasks", arguments: defineCases)
        func defineTasks(_ defect: Case) async throws {
            let data = try ScenarioSamples()
            var request = data.defineRequest(.attributes)
            defect.change(&request)
            let outcome = try await TaskMiningHarness.withMining { mining in
                await #expect(throws: RPCError.self) { try await mining.defineTasks(request) }
            }
            #expect(outcome?.code == .invalidArgument)
            #expect(outcome?.message.hasPrefix(defect.field) == true, "\(outcome?.message ?? "no error")")
        }

        @Test("DiscoverRelations, BuildDetectors and AllocateSamples name their fields")
        func planCalls() async throws {
            let data = try ScenarioSamples()
            try await TaskMiningHarness.withMining { mining in
                let plan = try await mining.defineTasks(data.defineRequest(.attributes))
                var relations = Lifelong_V1_DiscoverRelationsRequest()
                relations.source = ScenarioSamples.source(ScenarioSamples.samples(of: data.train, rows: Array(0..<20)))
                relations.schema = data.schema
                relations.tasks = plan.tasks
                relations.allocator = plan.allocator
                var unlabelled = relations
                unlabelled.source?.samples[2].label = nil
                var noTasks = relations
                noTasks.tasks = []
                var narrowAllocator = relations
                narrowAllocator.allocator?.featureCount = 5
                var unknownRoute = relations
                unknownRoute.allocator?.routes[0].taskName = "nowhere"
                var noStatistics = relations
                noStatistics.tasks[1].statistics = nil

                var detectors = Lifelong_V1_BuildDetectorsRequest()
                detectors.source = relations.source
                detectors.schema = data.schema
                detectors.tasks = plan.tasks
                detectors.allocator = plan.allocator
                detectors.targetFalsePositiveRate = 1.5
                var noAllocator = detectors
                noAllocator.targetFalsePositiveRate = 0.05
                noAllocator.allocator = nil

                var allocate = Lifelong_V1_AllocateSamplesRequest()
                allocate.allocator = plan.allocator
                allocate.samples = ScenarioSamples.samples(of: data.test, rows: [0, 1])
                allocate.samples[1].features.append(1)
                var badKind = allocate
                badKind.samples = []
                badKind.allocator?.kind = .unspecified

                let calls: [(field: String, call: () async throws -> Void)] = [
                    ("source.samples[2].label", { _ = try await mining.discoverRelations(unlabelled) }),
                    ("tasks", { _ = try await mining.discoverRelations(noTasks) }),
                    ("allocator.feature_count", { _ = try await mining.discoverRelations(narrowAllocator) }),
                    ("allocator.routes", { _ = try await mining.discoverRelations(unknownRoute) }),
                    ("tasks.statistics", { _ = try await mining.discoverRelations(noStatistics) }),
                    ("target_false_positive_rate", { _ = try await mining.buildDetectors(detectors) }),
                    ("allocator", { _ = try await mining.buildDetectors(noAllocator) }),
                    ("samples[1].features", { _ = try await mining.allocateSamples(allocate) }),
                    ("allocator.kind", { _ = try await mining.allocateSamples(badKind) }),
                ]
                for (field, call) in calls {
                    let error = await #expect(throws: RPCError.self, "\(field)") { try await call() }
                    #expect(error?.code == .invalidArgument, "\(field): \(String(describing: error))")
                    #expect(error?.message.hasPrefix(field) == true, "\(field): \(error?.message ?? "no error")")
                }
            }
        }

        @Test("samples by job while the knowledge base is unreachable: UNAVAILABLE, at once")
        func knowledgeBaseUnreachable() async throws {
            let data = try ScenarioSamples()
            var request = data.defineRequest(.attributes)
            var source = Lifelong_V1_SampleSource()
            source.jobId = "thermal"
            request.source = source
            let outcome = try await TaskMiningHarness.withMining { mining in
                await #expect(throws: RPCError.self) { try await mining.defineTasks(request) }
            }
            #expect(outcome?.code == .unavailable, "\(String(describing: outcome))")
        }
    }
}
