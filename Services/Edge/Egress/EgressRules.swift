public import FoundationEssentials
public import LifelongProto

/// What the contract's `EgressPolicy` allows, applied where samples leave the node:
/// - `DENY` (and unset): nothing leaves; buffered samples are counted as withheld.
/// - `UNSEEN_ONLY`: buffered (unseen) samples leave with the `redacted_features` set to NaN
///   (missing) and attributes of those names removed, only inside the daily window
///   (`window_start`…`window_end`, UTC, may wrap midnight), and only while uploaded ÷ inferred
///   stays ≤ `max_transfer_ratio` (0 = no limit).
/// - `ALL`: buffered samples leave as observed, at any time, without a ratio limit.
/// The node buffers only unseen samples in every mode (docs/edge.md).
public struct EgressRules: Sendable {
    /// The policy.
    public let policy: Lifelong_V1_EgressPolicy

    /// Checks and wraps a policy.
    /// - Throws: ``EdgeError`` INVALID_ARGUMENT naming the field at fault.
    public init(_ policy: Lifelong_V1_EgressPolicy) throws {
        switch policy.mode {
        case .unspecified, .deny, .unseenOnly, .all: break
        case .unrecognized(let value): throw EdgeError.invalid("mode", "unknown egress mode \(value)")
        }
        guard policy.maxTransferRatio.isFinite, (0...1).contains(policy.maxTransferRatio) else {
            throw EdgeError.invalid("max_transfer_ratio", "must be in [0, 1] (0 = no limit), got \(policy.maxTransferRatio)")
        }
        for (field, value) in [("window_start", policy.windowStart), ("window_end", policy.windowEnd)] where !value.isEmpty {
            guard Self.minuteOfDay(value) != nil else { throw EdgeError.invalid(field, "expects HH:MM (00:00…23:59), got '\(value)'") }
        }
        guard policy.windowStart.isEmpty == policy.windowEnd.isEmpty else {
            throw EdgeError.invalid(policy.windowStart.isEmpty ? "window_start" : "window_end", "a window needs both ends")
        }
        for (position, name) in policy.redactedFeatures.enumerated() where name.isEmpty {
            throw EdgeError.invalid("redacted_features[\(position)]", "empty column name")
        }
        self.policy = policy
    }

    /// The default: nothing leaves.
    public static let deny = try! EgressRules(Lifelong_V1_EgressPolicy())

    /// Whether any sample may leave at all under this mode.
    public var allowsUploads: Bool { policy.mode == .unseenOnly || policy.mode == .all }

    /// How many more samples may leave now.
    /// - Parameters:
    ///   - inferred: Samples inferred so far.
    ///   - committed: Samples uploaded or already in an upload batch.
    ///   - now: The time (for the window).
    public func allowance(inferred: Int64, committed: Int64, now: Date) -> Int64 {
        switch policy.mode {
        case .all: return .max
        case .unseenOnly:
            guard isInsideWindow(now) else { return 0 }
            guard policy.maxTransferRatio > 0 else { return .max }
            let ceiling = Int64((policy.maxTransferRatio * Double(inferred)).rounded(.down))
            return max(0, ceiling - committed)
        default: return 0
        }
    }

    /// Whether `now` is inside the daily upload window (always, without one).
    public func isInsideWindow(_ now: Date) -> Bool {
        guard let start = Self.minuteOfDay(policy.windowStart), let end = Self.minuteOfDay(policy.windowEnd) else { return true }
        let seconds = Int(now.timeIntervalSince1970.rounded(.down))
        let minute = ((seconds % 86_400) + 86_400) % 86_400 / 60
        return start <= end ? (start..<end).contains(minute) || start == end : minute >= start || minute < end
    }

    /// The sample as it may leave: redacted features become NaN (missing), attributes of
    /// redacted names are removed.
    /// - Parameters:
    ///   - sample: The sample as observed.
    ///   - featureNames: The schema's feature names in order.
    public func redact(_ sample: Lifelong_V1_Sample, featureNames: [String]) -> Lifelong_V1_Sample {
        guard policy.mode == .unseenOnly, !policy.redactedFeatures.isEmpty else { return sample }
        let redacted = Set(policy.redactedFeatures)
        var copy = sample
        for (column, name) in featureNames.enumerated() where redacted.contains(name) && column < copy.features.count {
            copy.features[column] = .nan
        }
        copy.attributes.removeAll { redacted.contains($0.name) }
        return copy
    }

    /// The policy in one line, for the audit log.
    public var summary: String {
        let mode: String
        switch policy.mode {
        case .all: mode = "ALL"
        case .unseenOnly: mode = "UNSEEN_ONLY"
        default: mode = "DENY"
        }
        var parts = [mode]
        if policy.mode == .unseenOnly {
            if !policy.redactedFeatures.isEmpty { parts.append("redacted=\(policy.redactedFeatures.joined(separator: ","))") }
            if policy.maxTransferRatio > 0 { parts.append("max_transfer_ratio=\(policy.maxTransferRatio)") }
            if !policy.windowStart.isEmpty { parts.append("window=\(policy.windowStart)-\(policy.windowEnd)") }
        }
        return parts.joined(separator: " ")
    }

    /// Minutes since midnight of "HH:MM", nil when malformed.
    static func minuteOfDay(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 }), let hours = Int(parts[0]), let minutes = Int(parts[1]),
              (0..<24).contains(hours), (0..<60).contains(minutes)
        else { return nil }
        return hours * 60 + minutes
    }
}
