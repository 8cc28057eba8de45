import Edge
import Foundation
import LifelongProto
import Testing

extension EdgeSuites {
    @Suite("Egress rules without a service: window, ratio, redaction")
    struct EgressRulesTests {
        static func rules(_ mode: Lifelong_V1_EgressMode, ratio: Double = 0, window: (String, String)? = nil) throws -> EgressRules {
            var policy = Lifelong_V1_EgressPolicy()
            policy.mode = mode
            policy.maxTransferRatio = ratio
            if let window {
                policy.windowStart = window.0
                policy.windowEnd = window.1
            }
            return try EgressRules(policy)
        }

        /// Today at `hour`:`minute` UTC.
        static func at(_ hour: Int, _ minute: Int) -> Date {
            Date(timeIntervalSince1970: Double(20_000 * 86_400 + hour * 3_600 + minute * 60))
        }

        @Test("The daily window, wrapping midnight or not (UTC, end excluded)", arguments: [
            ("22:00", "06:00", 23, 30, true), ("22:00", "06:00", 5, 59, true), ("22:00", "06:00", 6, 0, false),
            ("22:00", "06:00", 12, 0, false), ("09:00", "17:00", 9, 0, true), ("09:00", "17:00", 17, 0, false),
            ("09:00", "17:00", 8, 59, false), ("00:00", "00:00", 13, 0, true),
        ])
        func window(_ start: String, _ end: String, _ hour: Int, _ minute: Int, _ inside: Bool) throws {
            let rules = try Self.rules(.unseenOnly, window: (start, end))
            #expect(rules.isInsideWindow(Self.at(hour, minute)) == inside)
            #expect(rules.allowance(inferred: 100, committed: 0, now: Self.at(hour, minute)) == (inside ? .max : 0))
        }

        @Test("The transfer ratio bounds what may still leave; DENY allows nothing; ALL everything")
        func allowance() throws {
            let now = Self.at(12, 0)
            #expect(try Self.rules(.unseenOnly, ratio: 0.25).allowance(inferred: 40, committed: 4, now: now) == 6)
            #expect(try Self.rules(.unseenOnly, ratio: 0.25).allowance(inferred: 40, committed: 12, now: now) == 0)
            #expect(try Self.rules(.deny).allowance(inferred: 40, committed: 0, now: now) == 0)
            #expect(try Self.rules(.unspecified).allowsUploads == false)
            #expect(try Self.rules(.all, ratio: 0.25, window: ("01:00", "02:00")).allowance(inferred: 40, committed: 39, now: now) == .max)
        }

        @Test("Redaction applies under UNSEEN_ONLY only")
        func redaction() throws {
            var sample = Lifelong_V1_Sample()
            sample.features = [1, 2, 3]
            var attribute = Lifelong_V1_AttributeValue()
            attribute.name = "site"
            attribute.value = "s1"
            sample.attributes = [attribute]
            var policy = Lifelong_V1_EgressPolicy()
            policy.mode = .unseenOnly
            policy.redactedFeatures = ["b", "site"]
            let redacted = try EgressRules(policy).redact(sample, featureNames: ["a", "b", "c"])
            #expect(redacted.features[0] == 1 && redacted.features[1].isNaN && redacted.features[2] == 3)
            #expect(redacted.attributes.isEmpty)
            policy.mode = .all
            #expect(try EgressRules(policy).redact(sample, featureNames: ["a", "b", "c"]) == sample)
        }
    }
}
