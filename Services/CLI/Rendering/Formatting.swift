import Foundation
import LifelongClient

/// How values print in tables and summaries.
enum Formatting {
    /// A time in microseconds since the epoch as `2025-06-01 14:03:07` (UTC); `-` for 0.
    static func time(microseconds: Int64) -> String {
        guard microseconds > 0 else { return "-" }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: Date(timeIntervalSince1970: Double(microseconds) / 1_000_000)) + "Z"
    }

    /// How long ago a time in microseconds was (`12s ago`, `3m ago`); `never` for 0.
    static func age(microseconds: Int64, now: Date = Date()) -> String {
        guard microseconds > 0 else { return "never" }
        let seconds = max(0, Int(now.timeIntervalSince1970 - Double(microseconds) / 1_000_000))
        switch seconds {
        case ..<120: return "\(seconds)s ago"
        case ..<7_200: return "\(seconds / 60)m ago"
        case ..<172_800: return "\(seconds / 3_600)h ago"
        default: return "\(seconds / 86_400)d ago"
        }
    }

    /// A ratio or accuracy with four decimals; `-` when not finite.
    static func decimal(_ value: Double, places: Int = 4) -> String {
        value.isFinite ? String(format: "%.\(places)f", value) : "-"
    }

    /// A signed measure (BWT, FWT) with four decimals.
    static func signed(_ value: Double) -> String {
        value.isFinite ? String(format: "%+.4f", value) : "-"
    }

    /// An enum case's name as the contract spells it, lower case (`running`, `boosting_round`).
    static func name(_ value: some Any) -> String {
        let text = "\(value)"
        if text.hasPrefix("unrecognized") { return text }
        var result = ""
        for character in text {
            if character.isUppercase {
                result += "_" + character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }
}

extension Lifelong_V1_Job {
    /// Where the job is, in a few words: `train/running`, `paused`, `deploy/failed (attempt 2)`.
    var phase: String {
        var text = "\(Formatting.name(stage))/\(Formatting.name(state))"
        if paused { text += " (paused)" }
        if failedAttempts > 0 { text += " (failed \(failedAttempts)x)" }
        return text
    }
}
