import JobQueue
import PostgresClient
import Synchronization
import Testing

@Suite("Job queue on PostgreSQL")
struct JobQueueTests {
    @Test("four concurrent workers never claim the same unit, and every unit is claimed once")
    func concurrentClaims() async throws {
        try await QueueFixture.withQueue { queue in
            _ = try await queue.enqueue(QueueFixture.run("r1", units: 30))
            let claims = try await withThrowingTaskGroup(of: [String].self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        var mine: [String] = []
                        while let unit = try await queue.claim(worker: "w\(worker)", lease: .seconds(60)) {
                            mine.append(unit.name)
                            #expect(try await queue.complete(unit))
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: [String]()) { $0 += $1 }
            }
            #expect(claims.count == 30)
            #expect(Set(claims).count == 30)
            let run = try #require(try await queue.run("r1"))
            #expect(run.units.allSatisfy { $0.state == .completed && $0.attempts == 1 })
        }
    }

    @Test("an expired lease is taken over; the first worker can no longer renew or complete")
    func expiredLeaseTakenOver() async throws {
        try await QueueFixture.withQueue { queue in
            _ = try await queue.enqueue(QueueFixture.run("r1", units: 1))
            // A zero lease has expired by the next statement: no waiting on the clock.
            let first = try #require(try await queue.claim(worker: "a", lease: .zero))
            #expect(first.attempt == 1 && first.previousWorkerID == nil)
            let second = try #require(try await queue.claim(worker: "b", lease: .seconds(60)))
            #expect(second.name == first.name)
            #expect(second.attempt == 2)
            #expect(second.previousWorkerID == "a")
            #expect(try await queue.renew(first, lease: .seconds(60)) == .lost)
            #expect(try await !queue.complete(first))
            #expect(try await !queue.fail(first, error: "late"))
            #expect(try await queue.renew(second, lease: .seconds(60)) == .held)
            #expect(try await queue.claim(worker: "c", lease: .seconds(60)) == nil)
            #expect(try await queue.complete(second, result: [7]))
            let unit = try #require(try await queue.run("r1")?.units.first)
            #expect(unit.state == .completed && unit.workerID == "b" && unit.result == [7])
        }
    }

    @Test("a lease that expires on the last attempt fails the unit instead of being claimed again")
    func expiredOnLastAttempt() async throws {
        try await QueueFixture.withQueue { queue in
            _ = try await queue.enqueue(QueueFixture.run("r1", units: 1, maxAttempts: 1))
            _ = try #require(try await queue.claim(worker: "a", lease: .zero))
            #expect(try await queue.claim(worker: "b", lease: .seconds(60)) == nil)
            let unit = try #require(try await queue.run("r1")?.units.first)
            #expect(unit.state == .failed)
            #expect(unit.error.contains("lease expired"))
        }
    }

    @Test("a cancelled run's units are not claimed, and its worker learns it on renewal")
    func cancelledRunNotClaimed() async throws {
        try await QueueFixture.withQueue { queue in
            _ = try await queue.enqueue(QueueFixture.run("r1", units: 3))
            _ = try await queue.enqueue(QueueFixture.run("r2", units: 2))
            let held = try #require(try await queue.claim(worker: "a", lease: .seconds(60)))
            #expect(held.runID == "r1")
            #expect(try await queue.cancel("r1") == .cancelled)
            #expect(try await queue.cancel("r1") == .cancelled)
            #expect(try await queue.renew(held, lease: .seconds(60)) == .cancelled)
            #expect(try await !queue.complete(held))
            #expect(try await !queue.beginCommit(held))
            var claimed: [String] = []
            while let unit = try await queue.claim(worker: "b", lease: .seconds(60)) {
                claimed.append(unit.runID)
                _ = try await queue.complete(unit)
            }
            #expect(claimed == ["r2", "r2"])
            let run = try #require(try await queue.run("r1"))
            #expect(run.state == .cancelled)
            #expect(run.units.allSatisfy { $0.state == .cancelled })
        }
    }

    @Test("a unit waits until every unit of the lower stages has finished")
    func stagesInOrder() async throws {
        try await QueueFixture.withQueue { queue in
            let spec = QueueRunSpec(
                id: "r1", payload: [],
                units: [
                    QueueUnitSpec(name: "prior", stage: 0), QueueUnitSpec(name: "task:a", stage: 1),
                    QueueUnitSpec(name: "task:b", stage: 1), QueueUnitSpec(name: "publish", stage: 2),
                ])
            _ = try await queue.enqueue(spec)
            let prior = try #require(try await queue.claim(worker: "a", lease: .seconds(60)))
            #expect(prior.name == "prior")
            #expect(try await queue.claim(worker: "b", lease: .seconds(60)) == nil)
            #expect(try await queue.complete(prior))
            let a = try #require(try await queue.claim(worker: "a", lease: .seconds(60)))
            let b = try #require(try await queue.claim(worker: "b", lease: .seconds(60)))
            #expect(Set([a.name, b.name]) == ["task:a", "task:b"])
            #expect(try await queue.claim(worker: "c", lease: .seconds(60)) == nil)
            // A failed unit has finished too: the last stage runs after it.
            #expect(try await queue.fail(a, error: "too few samples", permanent: true))
            #expect(try await queue.claim(worker: "c", lease: .seconds(60)) == nil)
            #expect(try await queue.complete(b))
            let publish = try #require(try await queue.claim(worker: "c", lease: .seconds(60)))
            #expect(publish.name == "publish")
            #expect(try await queue.beginCommit(publish))
            await #expect(throws: JobQueueError.self) { try await queue.cancel("r1") }
        }
    }

    @Test("a failed attempt is retried until the attempts are used up")
    func retriesThenFails() async throws {
        try await QueueFixture.withQueue { queue in
            _ = try await queue.enqueue(QueueFixture.run("r1", units: 1, maxAttempts: 2))
            let first = try #require(try await queue.claim(worker: "a", lease: .seconds(60)))
            #expect(try await queue.fail(first, error: "kb unreachable"))
            let second = try #require(try await queue.claim(worker: "a", lease: .seconds(60)))
            #expect(second.attempt == 2 && second.previousWorkerID == nil)
            #expect(try await queue.fail(second, error: "kb unreachable"))
            #expect(try await queue.claim(worker: "a", lease: .seconds(60)) == nil)
            let unit = try #require(try await queue.run("r1")?.units.first)
            #expect(unit.state == .failed && unit.attempts == 2 && unit.error == "kb unreachable")
        }
    }

    @Test("enqueueing is idempotent by request id; the same id for another request is refused")
    func idempotentEnqueue() async throws {
        try await QueueFixture.withQueue { queue in
            var spec = QueueFixture.run("r1", units: 2)
            spec.requestID = "req"
            spec.requestDigest = "d1"
            let created = try await queue.enqueue(spec)
            #expect(created == .created("r1"))
            var again = spec
            again.id = "r2"
            let repeated = try await queue.enqueue(again)
            #expect(repeated == .existing("r1"))
            again.requestDigest = "d2"
            let other = again
            await #expect(throws: JobQueueError.self) { try await queue.enqueue(other) }
            #expect(try await queue.run("r2") == nil)
            #expect(try await queue.run("r1")?.units.count == 2)
        }
    }
}
