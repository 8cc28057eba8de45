import ContentDigest
import KnowledgeBase
import LifelongProto
import RPCCore
import ServiceHostTesting
import Testing

@Suite("Tasks, watch and unknown names")
struct QueryAndWatchTests {
    @Test("query tasks by name, attributes and nearest feature vector")
    func queryTasks() async throws {
        try await KnowledgeBaseFixture.with { kb async throws in
            _ = try await kb.client.publishSnapshot(
                Make.snapshot(
                    job: "q", base: 0,
                    tasks: [
                        Make.task("summer_ac", attributes: [("season", "summer"), ("cooling", "ac")], mean: [25, 50], stddev: [2, 10]),
                        Make.task("summer_nv", attributes: [("season", "summer"), ("cooling", "nv")], mean: [28, 60], stddev: [2, 10]),
                        Make.task("winter_ac", attributes: [("season", "winter"), ("cooling", "ac")], mean: [20, 40], stddev: [2, 10]),
                    ], features: 2))
            var request = Lifelong_V1_QueryTasksRequest()
            request.jobId = "q"
            #expect(try await kb.client.queryTasks(request).matches.count == 3)
            request.attributes = [Make.attribute("season", "summer")]
            #expect(try await kb.client.queryTasks(request).matches.compactMap(\.task?.name) == ["summer_ac", "summer_nv"])
            request.attributes.append(Make.attribute("cooling", "nv"))
            #expect(try await kb.client.queryTasks(request).matches.compactMap(\.task?.name) == ["summer_nv"])
            request.attributes = []
            request.name = "winter_ac"
            #expect(try await kb.client.queryTasks(request).matches.compactMap(\.task?.name) == ["winter_ac"])
            request.name = ""
            request.nearestTo = [27.5, 59]
            request.limit = 2
            let nearest = try await kb.client.queryTasks(request).matches
            #expect(nearest.compactMap(\.task?.name) == ["summer_nv", "summer_ac"])
            #expect(nearest[0].distance < nearest[1].distance)

            request.nearestTo = [1, 2, 3]
            let wrong = await statusCode { _ = try await kb.client.queryTasks(request) }
            #expect(wrong?.0 == .invalidArgument)
            #expect(wrong?.1.contains("nearest_to has 3 values; expected 2") == true)
        }
    }

    @Test("get task returns it with its versions and model history")
    func getTask() async throws {
        try await KnowledgeBaseFixture.with { kb async throws in
            let first = Make.randomBytes(1000, seed: 1)
            let second = Make.randomBytes(1000, seed: 2)
            for bytes in [first, second] {
                _ = try await ModelTests.upload(kb.client, bytes, metadata: Make.modelMetadata(bytes, task: "t"))
            }
            let shaA = SHA256Digest.hex(of: first)
            let shaB = SHA256Digest.hex(of: second)
            _ = try await kb.client.publishSnapshot(
                Make.snapshot(job: "g", base: 0, tasks: [Make.task("t", mean: [1])], assignments: [("t", shaA)]))
            _ = try await kb.client.publishSnapshot(Make.snapshot(job: "g", base: 1, tasks: [Make.task("other")]))
            _ = try await kb.client.publishSnapshot(
                Make.snapshot(job: "g", base: 2, tasks: [Make.task("t", mean: [2])], assignments: [("t", shaB)]))
            var request = Lifelong_V1_GetTaskRequest()
            request.jobId = "g"
            request.name = "t"
            let detail = try await kb.client.getTask(request)
            #expect(detail.task?.statistics?.mean == [2])
            #expect(detail.versions == [1, 3])
            #expect(detail.models.compactMap(\.reference?.sha256) == [shaB, shaA])
            #expect(detail.task?.createdAtUs ?? 0 > 0)
            #expect(detail.task?.updatedAtUs ?? 0 >= detail.task?.createdAtUs ?? 0)
        }
    }

    @Test("watch sends the versions after from_version, then each new one as it is published")
    func watch() async throws {
        try await KnowledgeBaseFixture.with { kb async throws in
            _ = try await kb.client.publishSnapshot(Make.snapshot(job: "w", base: 0, tasks: [Make.task("a")]))
            _ = try await kb.client.publishSnapshot(Make.snapshot(job: "w", base: 1, tasks: [Make.task("b")]))
            let client = kb.client
            let (received, sink) = AsyncStream<Lifelong_V1_SnapshotEvent>.makeStream()
            let watcher = Task {
                var request = Lifelong_V1_WatchSnapshotsRequest()
                request.jobId = "w"
                request.fromVersion = 1
                request.includeSnapshot = true
                try await client.watchSnapshots(request) { response in
                    for try await event in response.messages { sink.yield(event) }
                }
            }
            var iterator = received.makeAsyncIterator()
            let catchUp = await iterator.next()
            #expect(catchUp?.version?.version == 2)
            #expect(catchUp?.snapshot?.tasks.map(\.name) == ["b"])
            // Another job's versions are not sent.
            _ = try await kb.client.publishSnapshot(Make.snapshot(job: "other", base: 0, tasks: [Make.task("x")]))
            for version in 3...5 {
                _ = try await kb.client.publishSnapshot(
                    Make.snapshot(job: "w", base: Int64(version - 1), tasks: [Make.task("v\(version)")]))
            }
            for version in 3...5 {
                let event = await iterator.next()
                #expect(event?.version?.version == Int64(version))
                #expect(event?.version?.baseVersion == Int64(version - 1))
                #expect(event?.snapshot?.tasks.map(\.name) == ["v\(version)"])
            }
            watcher.cancel()
            _ = await watcher.result
        }
    }

    @Test("unknown job, version, task and model are NOT_FOUND")
    func notFound() async throws {
        try await KnowledgeBaseFixture.with { kb async throws in
            var get = Lifelong_V1_GetSnapshotRequest()
            get.jobId = "nobody"
            #expect(await statusCode { _ = try await kb.client.getSnapshot(get) }?.0 == .notFound)
            _ = try await kb.client.publishSnapshot(Make.snapshot(job: "j", base: 0, tasks: [Make.task("t")]))
            get.jobId = "j"
            get.version = 2
            let version = await statusCode { _ = try await kb.client.getSnapshot(get) }
            #expect(version?.0 == .notFound)
            #expect(version?.1.contains("version 2") == true)
            var task = Lifelong_V1_GetTaskRequest()
            task.jobId = "j"
            task.name = "missing"
            let missingTask = await statusCode { _ = try await kb.client.getTask(task) }
            #expect(missingTask?.0 == .notFound)
            #expect(missingTask?.1.contains("missing") == true)
            var list = Lifelong_V1_ListVersionsRequest()
            list.jobId = "nobody"
            #expect(await statusCode { _ = try await kb.client.listVersions(list) }?.0 == .notFound)
            var query = Lifelong_V1_QueryTasksRequest()
            query.jobId = "j"
            query.version = 7
            #expect(await statusCode { _ = try await kb.client.queryTasks(query) }?.0 == .notFound)
        }
    }

    @Test("malformed snapshots are INVALID_ARGUMENT naming the field and expected count")
    func invalidSnapshots() async throws {
        try await KnowledgeBaseFixture.with { kb async throws in
            let wrongStats = await statusCode {
                _ = try await kb.client.publishSnapshot(
                    Make.snapshot(job: "i", base: 0, tasks: [Make.task("a", mean: [1, 2, 3])], features: 4))
            }
            #expect(wrongStats?.0 == .invalidArgument)
            #expect(wrongStats?.1.contains("snapshot.tasks[0].statistics.mean has 3 values; expected 4") == true)

            let duplicate = await statusCode {
                _ = try await kb.client.publishSnapshot(Make.snapshot(job: "i", base: 0, tasks: [Make.task("a"), Make.task("a")]))
            }
            #expect(duplicate?.0 == .invalidArgument)
            #expect(duplicate?.1.contains("snapshot.tasks[1].name") == true)

            let noJob = await statusCode { _ = try await kb.client.publishSnapshot(Make.snapshot(job: "", base: 0, tasks: [])) }
            #expect(noJob?.1.contains("snapshot.job_id") == true)

            let missing = await statusCode { _ = try await kb.client.publishSnapshot(Lifelong_V1_PublishSnapshotRequest()) }
            #expect(missing?.0 == .invalidArgument)

            let badAssignment = await statusCode {
                _ = try await kb.client.publishSnapshot(
                    Make.snapshot(job: "i", base: 0, tasks: [Make.task("a")], assignments: [("b", String(repeating: "a", count: 64))]))
            }
            #expect(badAssignment?.1.contains("snapshot.assignments[0].task_name") == true)
            #expect(try await kb.count("select count(*) from snapshots") == 0)
        }
    }
}
