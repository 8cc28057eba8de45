import Foundation
import LifelongProto

/// Where a run's time went, read off the time stamps of its progress events (stamped by the
/// service when it records them): the plan unit, the task units, the publication, and within
/// the task units what comes before, between and after their boosting rounds.
struct RunPhases {
    /// From the run's first event to its task units being queued (the plan unit).
    var plan = 0.0
    /// From the plan's end to the last task's verdict.
    var tasks = 0.0
    /// From the last task's verdict to FINISHED (the publish unit, and its claim).
    var publish = 0.0
    /// Summed over the task units: STARTED to their first boosting-round event (reading the
    /// plan's artifacts and the first `boostingEventInterval` rounds).
    var toFirstRound = 0.0
    /// Summed: first to last boosting-round event.
    var boosting = 0.0
    /// Summed: last boosting-round event to the verdict (scoring, storing the model, outcome).
    var afterBoosting = 0.0
    /// Summed: a verdict to the next task unit's STARTED (committing, claiming the next unit).
    var between = 0.0

    init(_ events: [Lifelong_V1_JobProgressEvent]) {
        func seconds(_ from: Int64, _ to: Int64) -> Double { Double(to - from) / 1e6 }
        guard let first = events.first, let last = events.last else { return }
        let queued = events.first { $0.kind == .queued && !$0.taskName.isEmpty }?.atUs ?? first.atUs
        let verdicts = events.filter { !$0.taskName.isEmpty && [.accepted, .rejected, .failed].contains($0.kind) }
        let lastVerdict = verdicts.last?.atUs ?? queued
        plan = seconds(first.atUs, queued)
        tasks = seconds(queued, lastVerdict)
        publish = seconds(lastVerdict, last.atUs)
        var started: [String: Int64] = [:], firstRound: [String: Int64] = [:], lastRound: [String: Int64] = [:]
        var previousVerdict: Int64?
        for event in events where !event.taskName.isEmpty {
            let task = event.taskName
            switch event.kind {
            case .started:
                started[task] = event.atUs
                if let verdict = previousVerdict { between += seconds(verdict, event.atUs) }
            case .boostingRound:
                if firstRound[task] == nil { firstRound[task] = event.atUs }
                lastRound[task] = event.atUs
            case .accepted, .rejected:
                if let start = started[task], let firstAt = firstRound[task], let lastAt = lastRound[task] {
                    toFirstRound += seconds(start, firstAt)
                    boosting += seconds(firstAt, lastAt)
                    afterBoosting += seconds(lastAt, event.atUs)
                }
                previousVerdict = event.atUs
            default: break
            }
        }
    }

    /// The run-level events (no task) but boosting rounds, each with its offset from the first event.
    static func timeline(_ events: [Lifelong_V1_JobProgressEvent]) -> String {
        guard let first = events.first else { return "" }
        return events.filter { $0.taskName.isEmpty }.map {
            String(format: "    +%.2f s %@ %@", Double($0.atUs - first.atUs) / 1e6, "\($0.kind)", $0.message)
        }.joined(separator: "\n")
    }

    /// One line of the figures.
    var description: String {
        String(
            format: "plan %.2f s, tasks %.2f s, publish %.2f s; summed over the task units: to the first boosting event %.2f s, boosting %.2f s, after boosting %.2f s, between units %.2f s",
            plan, tasks, publish, toFirstRound, boosting, afterBoosting, between)
    }
}
