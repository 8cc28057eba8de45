@testable import Training
import Testing

@Suite("Training: a task's start attributes between the plan and the task's unit")
struct StartAttributesTests {
    @Test("values round-trip, and no values (clusters) differ from one empty value")
    func roundTrip() throws {
        for values in [[], [""], ["", ""], ["summer", "ac"], ["région-3", ""], ["a b"]] as [[String]] {
            #expect(try StartAttributes.decode(StartAttributes.encode(values)) == values)
        }
        #expect(StartAttributes.encode([]) != StartAttributes.encode([""]))
    }

    @Test("bytes without the closing terminator are an internal error, not a wrong start")
    func unterminated() {
        #expect(throws: TrainingError.self) { try StartAttributes.decode(Array("summer".utf8)) }
    }
}
