import JobQueue
import LifelongProto
import PostgresClient
import Testing
@testable import Training

@Suite("Training: a run's view is read at one instant")
struct RunStateTests {
    @Test("while publications commit, a view never shows a completed run without its published version")
    func consistentWithPublication() async throws {
        var options = TrainingFixture.Options()
        options.workers = false
        try await TrainingFixture.withEnvironment(options) { env in
            try await env.withStore { store in
                let id = "run-state-consistency"
                _ = try await store.create(
                    QueueRunSpec(id: id, payload: [], units: []), job: "consistency", baseVersion: 0,
                    queued: Lifelong_V1_JobProgressEvent())
                // Each transaction moves the run as a publication does, both columns at once:
                // completed with version n, or back to running with none.
                let writerDone = DoneFlag()
                let writer = Task {
                    defer { Task { await writerDone.set() } }
                    for version in 1...400 {
                        let completed = version.isMultiple(of: 2)
                        try await store.pool.withTransaction { connection in
                            try connection.executePrepared(
                                "update queue_runs set state = $2 where run_id = $1",
                                parameters: [.text(id), .text(completed ? "completed" : "running")])
                            try RunStore.setPublished(id, version: completed ? Int64(version) : 0, trainedThrough: 0, on: connection)
                        }
                    }
                }
                var views = 0
                var completedViews = 0
                var writing = true
                while writing || views < 20 {
                    let state = try #require(try await store.state(id))
                    #expect((state.queued.state == .completed) == (state.record.publishedVersion > 0), "view \(views)")
                    views += 1
                    if state.queued.state == .completed { completedViews += 1 }
                    writing = !(await writerDone.isSet)
                }
                try await writer.value
                #expect(try await store.state("no-such-run") == nil)
                #expect(completedViews > 0, "the views saw the run completed at least once")
            }
        }
    }
}

/// Set once, read by another task.
private actor DoneFlag {
    private(set) var isSet = false

    func set() { isSet = true }
}
