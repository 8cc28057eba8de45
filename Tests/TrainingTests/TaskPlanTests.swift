import HTTP2Transport
import LifelongCore
import LifelongLearning
import LifelongProto
import RPCCore
import ServiceHost
import ServiceHostTesting
import TaskMining
import Testing

/// Training with task mining: clustering plans, and relations, groups and detectors
/// recomputed for every published snapshot (KB, task mining and training on loopback).
@Suite("Training with task plans from task mining")
struct TaskPlanTests {
    @Test("a clustering run publishes the clusters as tasks, with the models in-process training gives them")
    func clusteringRun() async throws {
        try await TrainingFixture.withEnvironment { env in
            let data = try ScenarioSamples(job: "clusters")
            let bad = await statusCode {
                _ = try await env.training.startTraining(data.request(base: 0) {
                    $0.taskDefinition = .clustering
                    $0.minClusters = 5
                    $0.maxClusters = 3
                })
            }
            #expect(bad?.0 == .invalidArgument && bad?.1.hasPrefix("spec.max_clusters") == true)

            try await env.add(data.samples(round: 0))
            let events = try await env.train(Self.clusteringRequest(data, base: 0) { $0.detectorFalsePositiveRate = 0.1 })
            let finished = try #require(events.last)
            #expect(finished.state == .completed && finished.snapshotVersion == 1, "\(finished.message)")
            #expect(events.contains { $0.message.hasPrefix("task mining defined") })

            // The plan as it is: a cluster allocator, its clusters as the tasks, no attribute columns.
            let (snapshot, index) = try await env.index(version: 1, job: "clusters")
            let allocatorMessage = try #require(snapshot.allocator)
            #expect(allocatorMessage.kind == .clusters)
            #expect(snapshot.schema?.attributeNames == [])
            let clusters = Set(allocatorMessage.centroids.map(\.taskName))
            #expect(clusters.count >= 2 && Set(snapshot.tasks.map(\.name)) == clusters)
            #expect(Set(snapshot.assignments.map(\.taskName)) == clusters)

            // The same clusters trained in-process: the same models, the same predictions.
            let allocator = try TaskAllocator(message: allocatorMessage)
            let round = data.scenario.rounds[0]
            let train = try Self.byCluster(round.train, allocator: allocator)
            let test = try Self.byCluster(round.test, allocator: allocator)
            #expect(Set(train.keys) == clusters && Set(test.keys) == clusters, "every cluster has training and eval rows")
            let expected = try InProcessTraining.models(tasks: train)
            for cluster in clusters {
                #expect(index.assignment(of: cluster)?.model == expected[cluster]?.digest, "cluster \(cluster): bit for bit")
            }
            for row in 0..<round.test.rowCount {
                let features = round.test.table.features(ofRow: row)
                let served = try index.predict(features: features)
                let cluster = try #require(try allocator.allocate(features: features, attributes: []))
                #expect(served.task == cluster)
                #expect(served.probabilities == (try expected[cluster]!.model.model.predict(features)))
            }

            // Evaluate scores per cluster: the run's accuracies.
            let run = try await env.run(finished.runId)
            var evaluate = Lifelong_V1_EvaluateRequest()
            evaluate.jobId = "clusters"
            let evaluation = try await env.training.evaluate(evaluate)
            #expect(Set(evaluation.tasks.map(\.taskName)) == clusters)
            for entry in evaluation.tasks {
                #expect(entry.sampleCount == Int64(test[entry.taskName]?.rowCount ?? 0))
                #expect(entry.accuracy == run.tasks.first { $0.taskName == entry.taskName }?.accuracy)
            }

            // Relations, groups and detectors from task mining, at the spec's false-positive rate.
            Self.expectMined(snapshot, targetFalsePositiveRate: 0.1)
        }
    }

    @Test("a clustering run given a plan trains the plan's clusters without asking task mining; a bad plan is INVALID_ARGUMENT naming its field")
    func givenPlan() async throws {
        try await TrainingFixture.withEnvironment { env in
            let data = try ScenarioSamples(job: "given-plan")
            try await env.add(data.samples(round: 0))
            // The plan a caller kept: task mining's clusters of the job's samples, renamed.
            let transport = HTTP2ClientTransport(host: "127.0.0.1", port: env.taskMiningPort)
            let miner = Lifelong_V1_TaskMining.Client(
                wrapping: RPCClient(transport: transport.authenticated(with: TestServiceHost.token(.service))))
            var define = Lifelong_V1_DefineTasksRequest()
            var source = Lifelong_V1_SampleSource()
            source.jobId = "given-plan"
            define.source = source
            define.schema = data.request(base: 0).spec?.schema
            define.method = .clustering
            define.minClusters = 2
            define.maxClusters = 3
            var plan = try await miner.defineTasks(define)
            await transport.close()
            let renamed = Dictionary(uniqueKeysWithValues: plan.tasks.enumerated().map { ($1.name, "given-\($0)") })
            for index in plan.tasks.indices { plan.tasks[index].name = renamed[plan.tasks[index].name]! }
            for index in plan.allocator!.centroids.indices {
                plan.allocator!.centroids[index].taskName = renamed[plan.allocator!.centroids[index].taskName]!
            }

            var duplicate = plan
            duplicate.tasks[1].name = duplicate.tasks[0].name
            var unknown = plan
            unknown.allocator!.centroids[0].taskName = "nowhere"
            for (bad, clustering, field) in [
                (duplicate, true, "plan.tasks[1].name"), (unknown, true, "plan.allocator.centroids[0].task_name"),
                (plan, false, "plan"),
            ] {
                var request = clustering ? Self.clusteringRequest(data, base: 0) : data.request(base: 0)
                request.plan = bad
                let status = await statusCode { _ = try await env.training.startTraining(request) }
                #expect(status?.0 == .invalidArgument && status?.1.hasPrefix("\(field):") == true, "\(String(describing: status))")
            }

            var request = Self.clusteringRequest(data, base: 0)
            request.plan = plan
            let events = try await env.train(request)
            let finished = try #require(events.last)
            #expect(finished.state == .completed && finished.snapshotVersion == 1, "\(finished.message)")
            #expect(events.contains { $0.message.hasPrefix("using the plan given in the request") })
            #expect(!events.contains { $0.message.hasPrefix("asking task mining") })
            let (snapshot, _) = try await env.index(version: 1, job: "given-plan")
            #expect(snapshot.allocator == plan.allocator)
            #expect(Set(snapshot.tasks.map(\.name)) == Set(renamed.values))
        }
    }

    @Test("a second clustering round keeps the plan: only the cluster with new samples is retrained, the others bit for bit")
    func secondClusteringRound() async throws {
        try await TrainingFixture.withEnvironment { env in
            let data = try ScenarioSamples(job: "clusters-2")
            try await env.add(data.samples(round: 0))
            let first = try await env.train(Self.clusteringRequest(data, base: 0))
            #expect(first.last?.snapshotVersion == 1)
            let (before, _) = try await env.index(version: 1, job: "clusters-2")
            let allocator = try TaskAllocator(message: try #require(before.allocator))

            // Round 1's samples of one cluster only.
            let fresh = try data.samples(round: 1).map { sample in
                (sample, try allocator.allocate(features: sample.features.map { Float($0) }, attributes: []) ?? "")
            }
            let changed = try #require(Dictionary(grouping: fresh, by: \.1).max { $0.value.count < $1.value.count }?.key)
            try await env.add(fresh.filter { $0.1 == changed }.map(\.0))
            let events = try await env.train(Self.clusteringRequest(data, base: 1) { $0.minImprovement = -1 })
            let finished = try #require(events.last)
            #expect(finished.state == .completed && finished.snapshotVersion == 2, "\(finished.message)")
            #expect(events.contains { $0.message.hasPrefix("keeping the \(before.tasks.count) clusters of version 1") })
            let run = try await env.run(finished.runId)
            #expect(run.retrainedTasks == [changed])

            let (after, _) = try await env.index(version: 2, job: "clusters-2")
            #expect(after.allocator == before.allocator, "the plan is kept as it is")
            for task in before.tasks.map(\.name) where task != changed {
                #expect(after.tasks.first { $0.name == task } == before.tasks.first { $0.name == task })
                #expect(after.assignments.first { $0.taskName == task } == before.assignments.first { $0.taskName == task })
            }
            #expect(
                after.assignments.first { $0.taskName == changed }?.model != before.assignments.first { $0.taskName == changed }?.model)
            Self.expectMined(after, targetFalsePositiveRate: 0.05)
        }
    }

    @Test("task mining unreachable: the publication waits, visibly, and succeeds when it comes back")
    func taskMiningComesBack() async throws {
        // A free port, where task mining is started later: below the ephemeral range, so that no
        // other test's client connection takes it meanwhile (it did once: "Address already in use").
        let port = try TestServiceHost.quietPort()
        var options = TrainingFixture.Options()
        options.taskMiningPort = port
        try await TrainingFixture.withEnvironment(options) { env in
            let data = try ScenarioSamples(job: "mining-down")
            try await env.add(data.samples(round: 0))
            let started = try await env.training.startTraining(data.request(base: 0))
            var request = Lifelong_V1_GetTrainingRequest()
            request.id = started.id
            let waited = try await env.training.watchTraining(request) { response -> String? in
                for try await event in response.messages where event.kind == .waiting {
                    return event.message
                }
                return nil
            }
            #expect(waited?.contains("task mining unreachable") == true)
            #expect(try await env.run(started.id).state == .running)

            var hostOptions = TestServiceHost.options
            hostOptions.port = port
            let kb = HTTP2ClientTransport(host: "127.0.0.1", port: env.kbPort)
            defer { Task { await kb.close() } }
            let mining = TaskMining(knowledgeBase: kb.authenticated(with: TestServiceHost.token(.service)), logger: HostLogging.silent)
            let events = try await TestServiceHost.withRunning(
                services: [mining.service], interceptors: mining.interceptors, options: hostOptions
            ) { _ in try await env.events(of: started.id) }
            let finished = try #require(events.last)
            #expect(finished.state == .completed && finished.snapshotVersion == 1, "\(finished.message)")
            let (snapshot, _) = try await env.index(version: 1, job: "mining-down")
            Self.expectMined(snapshot, targetFalsePositiveRate: 0.05)
            #expect(snapshot.detectors.contains { $0.kind == .attributes })
        }
    }

    /// A clustering run's request: 2…4 clusters.
    static func clusteringRequest(
        _ data: ScenarioSamples, base: Int64, configure: (inout Lifelong_V1_JobSpec) -> Void = { _ in }
    ) -> Lifelong_V1_TrainRequest {
        data.request(base: base) {
            $0.taskDefinition = .clustering
            $0.minClusters = 2
            $0.maxClusters = 4
            configure(&$0)
        }
    }

    /// Rows of a set by the cluster the allocator gives them, in row order, without attributes
    /// (cluster tasks have none).
    static func byCluster(_ rows: LabelledSet, allocator: TaskAllocator) throws -> [String: LabelledSet] {
        var indices: [String: [Int]] = [:]
        for row in 0..<rows.rowCount {
            guard let cluster = try allocator.allocate(features: rows.table.features(ofRow: row), attributes: []) else { continue }
            indices[cluster, default: []].append(row)
        }
        return try indices.mapValues { selected in
            let table = rows.selecting(rows: selected).table
            return try LabelledSet(table: table, attributeNames: [], attributes: Array(repeating: [], count: table.rowCount))
        }
    }

    /// The snapshot's relations, groups and distribution detector came from task mining.
    static func expectMined(_ snapshot: Lifelong_V1_TaskIndexSnapshot, targetFalsePositiveRate: Double) {
        let tasks = Set(snapshot.tasks.map(\.name))
        #expect(!snapshot.relations.isEmpty)
        #expect(snapshot.relations.allSatisfy { tasks.contains($0.fromTask) && tasks.contains($0.toTask) && $0.weight > 0 })
        #expect(Set(snapshot.groups.flatMap(\.tasks)) == tasks, "the groups partition the tasks")
        let distribution = snapshot.detectors.first { $0.kind == .distribution }
        #expect(distribution?.targetFalsePositiveRate == targetFalsePositiveRate)
        #expect(Set(distribution?.distances.map(\.taskName) ?? []) == tasks)
        #expect(distribution.map { $0.threshold > 0 } == true)
    }
}
