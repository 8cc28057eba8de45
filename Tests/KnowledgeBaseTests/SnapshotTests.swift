import KnowledgeBase
import LifelongProto
import PostgresClient
import RPCCore
import ServiceHostTesting
import Synchronization
import Testing

@Suite("Snapshots: publish, get, list, diff, rollback on a real PostgreSQL")
struct SnapshotTests {
    @Test("publish assigns versions 1, 2, … and get returns what was published")
    func publishAndGet() async throws {
        try await KnowledgeBaseFixture.with { kb async throws in
            let first = try await kb.client.publishSnapshot(
                Make.snapshot(job: "job", base: 0, tasks: [Make.task("a", mean: [1, 2]), Make.task("b", mean: [3, 4])],
                    features: 2, note: "first"))
            #expect(first.version == 1)
            #expect(first.publishedAtUs > 1_600_000_000_000_000)
            let second = try await kb.client.publishSnapshot(
                Make.snapshot(job: "job", base: 1, tasks: [Make.task("a", mean: [1, 2])], features: 2, note: "second"))
            #expect(second.version == 2)

            var request = Lifelong_V1_GetSnapshotRequest()
            request.jobId = "job"
            let latest = try await kb.client.getSnapshot(request)
            #expect(latest.version == 2)
            #expect(latest.baseVersion == 1)
            #expect(latest.status == .published)
            #expect(latest.note == "second")
            #expect(latest.tasks.map(\.name) == ["a"])
            #expect(latest.tasks[0].createdAtUs > 0)
            #expect(latest.tasks[0].statistics?.mean == [1, 2])

            request.version = 1
            let old = try await kb.client.getSnapshot(request)
            #expect(old.version == 1)
            #expect(old.tasks.map(\.name) == ["a", "b"])
            #expect(old.schema?.columns.count == 2)

            var list = Lifelong_V1_ListVersionsRequest()
            list.jobId = "job"
            let versions = try await kb.client.listVersions(list)
            #expect(versions.versions.map(\.version) == [2, 1])
            #expect(versions.versions.map(\.taskCount) == [1, 2])
            #expect(versions.versions.map(\.note) == ["second", "first"])
            list.limit = 1
            list.beforeVersion = 2
            #expect(try await kb.client.listVersions(list).versions.map(\.version) == [1])
        }
    }

    @Test("8 concurrent publishers from one base: exactly one wins, the rest get ABORTED; rebasing loses no update")
    func concurrentPublishers() async throws {
        try await KnowledgeBaseFixture.with(connections: 8) { kb async throws in
            _ = try await kb.client.publishSnapshot(Make.snapshot(job: "race", base: 0, tasks: [Make.task("seed")]))
            let client = kb.client
            // Round 1: all eight from base 1.
            let outcomes = try await withThrowingTaskGroup(of: RPCError.Code?.self) { group in
                for publisher in 0..<8 {
                    group.addTask {
                        do {
                            _ = try await client.publishSnapshot(
                                Make.snapshot(job: "race", base: 1, tasks: [Make.task("p\(publisher)")], note: "p\(publisher)"))
                            return nil
                        } catch let error as RPCError {
                            return error.code
                        }
                    }
                }
                return try await group.reduce(into: [RPCError.Code?]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == nil }.count == 1)
            #expect(outcomes.filter { $0 == .aborted }.count == 7)

            // Round 2: eight publishers, each rebasing until its update lands.
            let attempts = Locked(0)
            let aborted = Locked(0)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for publisher in 0..<8 {
                    group.addTask {
                        while true {
                            attempts.update { $0 += 1 }
                            var get = Lifelong_V1_GetSnapshotRequest()
                            get.jobId = "race"
                            let current = try await client.getSnapshot(get)
                            var tasks = current.tasks
                            tasks.append(Make.task("r\(publisher)"))
                            do {
                                _ = try await client.publishSnapshot(
                                    Make.snapshot(job: "race", base: current.version, tasks: tasks, note: "r\(publisher)"))
                                return
                            } catch let error as RPCError where error.code == .aborted {
                                aborted.update { $0 += 1 }
                                continue
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            var list = Lifelong_V1_ListVersionsRequest()
            list.jobId = "race"
            let versions = try await client.listVersions(list).versions
            #expect(versions.map(\.version) == Array((1...10).reversed()))
            for version in versions where version.version > 1 {
                #expect(version.baseVersion == version.version - 1)
            }
            // Every publisher of round 2 appears exactly once, and the last version holds every
            // task added by a rebasing publisher: nothing was lost.
            let notes = versions.map(\.note).filter { $0.hasPrefix("r") }
            #expect(Set(notes) == Set((0..<8).map { "r\($0)" }))
            #expect(notes.count == 8)
            var get = Lifelong_V1_GetSnapshotRequest()
            get.jobId = "race"
            let final = try await client.getSnapshot(get)
            for publisher in 0..<8 { #expect(final.tasks.contains { $0.name == "r\(publisher)" }) }
            // Every attempt ended in exactly one of: its version landed, or ABORTED (then a
            // rebase); nothing else, and none went uncounted.
            #expect(attempts.value == 8 + aborted.value)
        }
    }

    @Test("diff lists added, changed, removed and unchanged tasks")
    func diff() async throws {
        try await KnowledgeBaseFixture.with { kb async throws in
            _ = try await kb.client.publishSnapshot(
                Make.snapshot(job: "d", base: 0, tasks: [
                    Make.task("keep", mean: [1]), Make.task("change", mean: [1]), Make.task("drop", mean: [1]),
                ]))
            _ = try await kb.client.publishSnapshot(
                Make.snapshot(job: "d", base: 1, tasks: [
                    Make.task("keep", mean: [1]), Make.task("change", mean: [2]), Make.task("new", mean: [1]),
                ]))
            var request = Lifelong_V1_DiffSnapshotsRequest()
            request.jobId = "d"
            request.fromVersion = 1
            request.toVersion = 2
            let diff = try await kb.client.diffSnapshots(request)
            #expect(diff.added == ["new"])
            #expect(diff.changed == ["change"])
            #expect(diff.removed == ["drop"])
            #expect(diff.unchanged == ["keep"])

            // A task's update time moves only when it changes.
            var task = Lifelong_V1_GetTaskRequest()
            task.jobId = "d"
            task.name = "keep"
            let kept = try await kb.client.getTask(task).task
            task.name = "change"
            let changed = try await kb.client.getTask(task).task
            #expect(kept?.updatedAtUs == kept?.createdAtUs)
            #expect((changed?.updatedAtUs ?? 0) > (changed?.createdAtUs ?? 0))

            request.toVersion = 9
            let missing = await statusCode { _ = try await kb.client.diffSnapshots(request) }
            #expect(missing?.0 == .notFound)
            #expect(missing?.1.contains("version 9") == true)
        }
    }

    @Test("rollback publishes a new version equal to the old one and marks the rest rolled back")
    func rollback() async throws {
        try await KnowledgeBaseFixture.with { kb async throws in
            _ = try await kb.client.publishSnapshot(Make.snapshot(job: "r", base: 0, tasks: [Make.task("one")], note: "v1"))
            _ = try await kb.client.publishSnapshot(
                Make.snapshot(job: "r", base: 1, tasks: [Make.task("one"), Make.task("two")], note: "v2"))
            _ = try await kb.client.publishSnapshot(
                Make.snapshot(job: "r", base: 2, tasks: [Make.task("three")], note: "v3"))

            var request = Lifelong_V1_RollbackSnapshotRequest()
            request.jobId = "r"
            request.toVersion = 1
            request.baseVersion = 2
            let stale = await statusCode { _ = try await kb.client.rollbackSnapshot(request) }
            #expect(stale?.0 == .aborted)

            request.baseVersion = 3
            let response = try await kb.client.rollbackSnapshot(request)
            #expect(response.version == 4)

            var get = Lifelong_V1_GetSnapshotRequest()
            get.jobId = "r"
            let latest = try await kb.client.getSnapshot(get)
            #expect(latest.version == 4)
            #expect(latest.baseVersion == 3)
            #expect(latest.tasks.map(\.name) == ["one"])
            #expect(latest.status == .published)

            var list = Lifelong_V1_ListVersionsRequest()
            list.jobId = "r"
            let statuses = try await kb.client.listVersions(list).versions.map { ($0.version, $0.status) }
            #expect(statuses.map(\.0) == [4, 3, 2, 1])
            #expect(statuses.map(\.1) == [.published, .rolledBack, .rolledBack, .published])

            var diff = Lifelong_V1_DiffSnapshotsRequest()
            diff.jobId = "r"
            diff.fromVersion = 1
            diff.toVersion = 4
            let same = try await kb.client.diffSnapshots(diff)
            #expect(same.unchanged == ["one"])
            #expect(same.added.isEmpty && same.changed.isEmpty && same.removed.isEmpty)

            request.toVersion = 99
            request.baseVersion = 4
            #expect(await statusCode { _ = try await kb.client.rollbackSnapshot(request) }?.0 == .notFound)
        }
    }

    @Test("a snapshot that names an unstored model is refused whole")
    func unstoredModel() async throws {
        try await KnowledgeBaseFixture.with { kb async throws in
            let sha = String(repeating: "ab", count: 32)
            let failure = await statusCode {
                _ = try await kb.client.publishSnapshot(
                    Make.snapshot(job: "m", base: 0, tasks: [Make.task("t")], assignments: [("t", sha)]))
            }
            #expect(failure?.0 == .failedPrecondition)
            #expect(failure?.1.contains("snapshot.assignments[0].model.sha256") == true)
            #expect(try await kb.count("select count(*) from snapshots") == 0)
            #expect(try await kb.count("select count(*) from snapshot_tasks") == 0)
        }
    }
}
