import Foundation
import LifelongProto
import RPCCore

/// When a job's next round starts, from its `TrainTrigger`: the sample-count condition
/// (`metric` `num_of_samples`, compared against `threshold`) OR the period (time since the
/// last round, with new samples waiting), both only inside the daily window — which may wrap
/// midnight (`22:00`–`06:00`). A trigger with neither condition fires only on demand.
struct TriggerPolicy: Sendable {
    /// Minutes after midnight of a "HH:MM".
    struct DailyWindow: Sendable, Equatable {
        var start: Int
        var end: Int

        /// Whether a minute of the day is inside: [start, end), wrapping midnight when end < start;
        /// start == end is the whole day.
        func contains(minute: Int) -> Bool {
            if start == end { return true }
            return start < end ? (minute >= start && minute < end) : (minute >= start || minute < end)
        }
    }

    var comparison: Lifelong_V1_TriggerOperator
    var threshold: Double
    var period: TimeInterval?
    var window: DailyWindow?
    var timeZone: TimeZone

    static let sampleMetric = "num_of_samples"

    /// Checks a trigger.
    /// - Throws: INVALID_ARGUMENT naming the field (`spec.trigger.…`).
    init(_ trigger: Lifelong_V1_TrainTrigger, timeZone: TimeZone) throws {
        let field = "spec.trigger"
        guard trigger.metric.isEmpty || trigger.metric == Self.sampleMetric else {
            throw RPCError(code: .invalidArgument, message: "\(field).metric: '\(trigger.metric)' is not a metric; use '\(Self.sampleMetric)'")
        }
        guard trigger.threshold.isFinite, trigger.threshold >= 0 else {
            throw RPCError(code: .invalidArgument, message: "\(field).threshold: must be a finite number >= 0")
        }
        if trigger.metric.isEmpty, trigger.comparison != .unspecified {
            throw RPCError(code: .invalidArgument, message: "\(field).metric: a comparison needs the metric '\(Self.sampleMetric)'")
        }
        if !trigger.metric.isEmpty, trigger.comparison == .unspecified {
            throw RPCError(code: .invalidArgument, message: "\(field).comparison: the metric needs a comparison (GE, GT, …)")
        }
        guard trigger.periodSeconds >= 0 else {
            throw RPCError(code: .invalidArgument, message: "\(field).period_seconds: must be >= 0")
        }
        guard trigger.checkPeriodSeconds >= 0 else {
            throw RPCError(code: .invalidArgument, message: "\(field).check_period_seconds: must be >= 0")
        }
        comparison = trigger.comparison
        threshold = trigger.threshold
        period = trigger.periodSeconds > 0 ? TimeInterval(trigger.periodSeconds) : nil
        switch (trigger.windowStart.isEmpty, trigger.windowEnd.isEmpty) {
        case (true, true):
            window = nil
        case (false, false):
            window = DailyWindow(
                start: try Self.minute(trigger.windowStart, field: "\(field).window_start"),
                end: try Self.minute(trigger.windowEnd, field: "\(field).window_end"))
        default:
            throw RPCError(code: .invalidArgument, message: "\(field).window_start: a window needs both window_start and window_end")
        }
        self.timeZone = timeZone
    }

    /// Minutes after midnight of "HH:MM".
    static func minute(_ text: String, field: String) throws -> Int {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]),
              (0..<24).contains(hours), (0..<60).contains(minutes)
        else { throw RPCError(code: .invalidArgument, message: "\(field): '\(text)' is not a time HH:MM (00:00–23:59)") }
        return hours * 60 + minutes
    }

    /// Whether a round should start now (not counting on-demand requests and retries). Never
    /// without new labelled samples: a round would have nothing to learn.
    /// - Parameters:
    ///   - pending: Labelled samples not yet trained on.
    ///   - lastRound: When the last round finished (nil: never — the period counts from `created`).
    func fires(now: Date, pending: Int64, lastRound: Date?, created: Date) -> Bool {
        guard isInsideWindow(now) else { return false }
        if comparison != .unspecified, pending > 0, compare(Double(pending)) { return true }
        if let period, pending > 0, now.timeIntervalSince(lastRound ?? created) >= period { return true }
        return false
    }

    func isInsideWindow(_ now: Date) -> Bool {
        guard let window else { return true }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.hour, .minute], from: now)
        return window.contains(minute: (parts.hour ?? 0) * 60 + (parts.minute ?? 0))
    }

    private func compare(_ value: Double) -> Bool {
        switch comparison {
        case .gt: value > threshold
        case .ge: value >= threshold
        case .eq: value == threshold
        case .ne: value != threshold
        case .le: value <= threshold
        case .lt: value < threshold
        default: false
        }
    }
}
