import LifelongCore
import LifelongLearning
import Testing

@Suite("Incremental update")
struct IncrementalUpdateTests {
    @Test("new tasks are created, the known task with new rows is retrained, the rest keep identical model bytes")
    func perTaskDecisions() throws {
        var learner = try Fixtures.initialLearner()
        let before = try #require(learner.index)
        let round = Fixtures.scenario.rounds[1]
        let report = try learner.update(with: round.train, timeUs: 2)
        let after = try #require(learner.index)

        #expect(Set(report.created) == Set(round.newTasks))
        #expect(report.retrained == round.updatedTasks)
        let untouched = Set(before.tasks.map(\.name)).subtracting(round.updatedTasks)
        #expect(Set(report.untouched) == untouched)
        for task in untouched {
            let old = try #require(before.assignment(of: task)?.model)
            let new = try #require(after.assignment(of: task)?.model)
            #expect(old == new)
            #expect(before.models[old]!.bytes == after.models[new]!.bytes)
            #expect(after.task(named: task)?.updatedAtUs == 1)
        }
        for task in round.updatedTasks {
            #expect(before.assignment(of: task)?.model != after.assignment(of: task)?.model)
            #expect(after.task(named: task)!.sampleCount > before.task(named: task)!.sampleCount)
        }
        // New small tasks start from the prior (which knows them by their attributes).
        for task in round.newTasks {
            #expect(after.assignment(of: task)?.model != nil)
            #expect(report.correctionRounds[task] != nil)
        }
        #expect(Set(report.correctionRounds.keys) == Set(report.created + report.retrained))
        #expect(after.globalModel != before.globalModel)
        // What the index serves for an untouched task's rows does not change.
        let test = Fixtures.scenario.rounds[0].test
        let untouchedRows = (0..<test.rowCount).filter { untouched.contains(test.attributeKey(ofRow: $0)) }
        #expect(!untouchedRows.isEmpty)
        for row in untouchedRows {
            let features = test.table.features(ofRow: row)
            let old = try before.predict(features: features, attributes: test.attributes[row])
            let new = try after.predict(features: features, attributes: test.attributes[row])
            #expect(old.probabilities == new.probabilities)
        }
    }

    @Test("bad input: an empty update, another schema, a single-class task, a tiny task")
    func badInput() throws {
        var learner = try Fixtures.initialLearner()
        let train = Fixtures.scenario.rounds[1].train
        #expect { try learner.update(with: train.selecting(rows: [])) } throws: {
            ($0 as? LifelongError)?.code == .emptyData
        }
        let other = try LabelledSet(table: train.table, attributeNames: ["site"], attributes: train.attributes.map { [$0[0]] })
        #expect { try learner.update(with: other) } throws: { ($0 as? LifelongError)?.code == .schemaMismatch }

        // A new task whose rows all have one class still gets a model (the prior, specialized to it).
        let key = Fixtures.scenario.rounds[1].newTasks[0]
        let rows = (0..<train.rowCount).filter { train.attributeKey(ofRow: $0) == key }
        let firstClass = train.table.labels[rows[0]]
        let singleClass = train.selecting(rows: rows.filter { train.table.labels[$0] == firstClass })
        try learner.update(with: singleClass)
        let index = try #require(learner.index)
        #expect(index.task(named: key) != nil)
        #expect(try index.predict(singleClass).count == singleClass.rowCount)

        // A task below the minimum size gets no correction: its model is the prior specialized to it.
        let tinyKey = Fixtures.scenario.rounds[1].newTasks[1]
        let tiny = Fixtures.rows(of: train, key: tinyKey).selecting(rows: [0, 1, 2])
        let tinyReport = try learner.update(with: tiny)
        #expect(tinyReport.correctionRounds[tinyKey] == 0)
        let tinyAssignment = try #require(learner.index?.assignment(of: tinyKey))
        #expect(tinyAssignment.model != nil)
        let prediction = try learner.index!.predict(features: tiny.table.features(ofRow: 0), attributes: tiny.attributes[0])
        #expect(!prediction.blended)
        #expect(prediction.task == tinyKey)
    }

    @Test("invalid configuration is rejected naming the field")
    func configuration() {
        var configuration = LifelongConfiguration()
        configuration.targetFalsePositiveRate = 0
        #expect { try LifelongLearner(configuration: configuration) } throws: {
            ($0 as? LifelongError)?.field == "targetFalsePositiveRate"
        }
    }
}
