import LifelongProto
@testable import Training
import Testing

@Suite("Training: why a run published nothing")
struct PublishMessageTests {
    static func outcome(_ name: String, _ kind: Lifelong_V1_TaskOutcomeKind, _ reason: String = "") -> Lifelong_V1_TrainingTaskOutcome {
        var outcome = Lifelong_V1_TrainingTaskOutcome()
        outcome.taskName = name
        outcome.kind = kind
        outcome.reason = reason
        return outcome
    }

    @Test("the message tells rejected models from tasks never trained, with the first skip's reason")
    func nothingPublished() {
        #expect(PublishUnit.nothingPublished([]) == "completed: nothing published; no task to train")
        #expect(
            PublishUnit.nothingPublished([Self.outcome("a", .rejected, "eval accuracy 0.5 < deployed 0.8 + margin 0.0")])
                == "completed: nothing published; 1 task model(s) rejected by the gate")
        #expect(
            PublishUnit.nothingPublished([
                Self.outcome("a", .skipped, "too few samples: 3 training rows < min_task_samples 10"), Self.outcome("b", .rejected),
                Self.outcome("c", .skipped, "no eval samples"),
            ])
                == "completed: nothing published; 1 task model(s) rejected by the gate, 2 task(s) skipped (a: too few samples: 3 training rows < min_task_samples 10)")
    }
}
