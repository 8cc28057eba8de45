import Foundation
@testable import Gateway
import LifelongProto
import RPCCore
import Testing

@Suite("Trigger policy")
struct TriggerPolicyTests {
    let utc = TimeZone(identifier: "UTC")!
    let created = Date(timeIntervalSince1970: 1_700_000_000)

    func policy(_ configure: (inout Lifelong_V1_TrainTrigger) -> Void) throws -> TriggerPolicy {
        var trigger = Lifelong_V1_TrainTrigger()
        configure(&trigger)
        return try TriggerPolicy(trigger, timeZone: utc)
    }

    /// 2026-12-03 at hh:mm UTC.
    func at(_ hours: Int, _ minutes: Int) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utc
        return calendar.date(from: DateComponents(year: 2026, month: 12, day: 3, hour: hours, minute: minutes))!
    }

    @Test("count: fires at the threshold, never without new samples")
    func count() throws {
        let policy = try policy {
            $0.metric = "num_of_samples"
            $0.comparison = .ge
            $0.threshold = 50
        }
        #expect(!policy.fires(now: at(12, 0), pending: 49, lastRound: nil, created: created))
        #expect(policy.fires(now: at(12, 0), pending: 50, lastRound: nil, created: created))
        let below = try self.policy {
            $0.metric = "num_of_samples"
            $0.comparison = .lt
            $0.threshold = 10
        }
        #expect(below.fires(now: at(12, 0), pending: 3, lastRound: nil, created: created))
        #expect(!below.fires(now: at(12, 0), pending: 0, lastRound: nil, created: created), "nothing to learn")
    }

    @Test("period: fires once the period passed since the last round, with new samples")
    func period() throws {
        let policy = try policy { $0.periodSeconds = 3_600 }
        let last = at(10, 0)
        #expect(!policy.fires(now: at(10, 59), pending: 5, lastRound: last, created: created))
        #expect(policy.fires(now: at(11, 0), pending: 5, lastRound: last, created: created))
        #expect(!policy.fires(now: at(11, 30), pending: 0, lastRound: last, created: created))
        #expect(!(try self.policy { _ in }).fires(now: at(11, 0), pending: 1_000, lastRound: last, created: created), "on demand only")
    }

    @Test("a daily window across midnight bounds both conditions")
    func windowAcrossMidnight() throws {
        let policy = try policy {
            $0.metric = "num_of_samples"
            $0.comparison = .ge
            $0.threshold = 1
            $0.windowStart = "22:00"
            $0.windowEnd = "06:00"
        }
        #expect(policy.fires(now: at(23, 30), pending: 5, lastRound: nil, created: created))
        #expect(policy.fires(now: at(0, 0), pending: 5, lastRound: nil, created: created))
        #expect(policy.fires(now: at(5, 59), pending: 5, lastRound: nil, created: created))
        #expect(!policy.fires(now: at(6, 0), pending: 5, lastRound: nil, created: created))
        #expect(!policy.fires(now: at(12, 0), pending: 5, lastRound: nil, created: created))
        #expect(!policy.fires(now: at(21, 59), pending: 5, lastRound: nil, created: created))
        let same = TriggerPolicy.DailyWindow(start: 600, end: 600)
        #expect(same.contains(minute: 0) && same.contains(minute: 1_439), "start == end is the whole day")
    }

    static func trigger(_ configure: (inout Lifelong_V1_TrainTrigger) -> Void) -> Lifelong_V1_TrainTrigger {
        var trigger = Lifelong_V1_TrainTrigger()
        configure(&trigger)
        return trigger
    }

    static let badTriggers: [(String, Lifelong_V1_TrainTrigger)] = [
        ("spec.trigger.window_start", trigger { $0.windowStart = "25:00"; $0.windowEnd = "01:00" }),
        ("spec.trigger.window_start", trigger { $0.windowStart = "22:00" }),
        ("spec.trigger.window_end", trigger { $0.windowStart = "22:00"; $0.windowEnd = "6:00" }),
        ("spec.trigger.metric", trigger { $0.metric = "accuracy"; $0.comparison = .ge }),
        ("spec.trigger.comparison", trigger { $0.metric = "num_of_samples" }),
        ("spec.trigger.period_seconds", trigger { $0.periodSeconds = -1 }),
        ("spec.trigger.threshold", trigger { $0.threshold = -.infinity }),
    ]

    @Test("bad triggers are INVALID_ARGUMENT naming the field", arguments: badTriggers)
    func badTrigger(field: String, trigger: Lifelong_V1_TrainTrigger) throws {
        let error = try #require(throws: RPCError.self) { try TriggerPolicy(trigger, timeZone: utc) }
        #expect(error.code == .invalidArgument)
        #expect(error.message.hasPrefix(field), "\(error.message)")
    }

    @Test("retry delays double up to the maximum")
    func retryDelays() {
        var configuration = GatewayConfiguration(postgres: .init(connection: .init()), instanceID: "test")
        configuration.initialRetryDelay = 1
        configuration.maximumRetryDelay = 5
        #expect((1...5).map { configuration.retryDelay(afterAttempts: $0) } == [1, 2, 4, 5, 5])
    }
}
