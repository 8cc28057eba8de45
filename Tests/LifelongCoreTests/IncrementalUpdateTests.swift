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

    @Test("A round trains its tasks and bag members concurrently, yet twice gives the same models byte for byte")
    func concurrentRoundIsDeterministic() throws {
        var configuration = Fixtures.configuration
        configuration.bagSize = 2
        let train = Fixtures.scenario.rounds[0].train
        let training = RoundTraining(configuration: configuration)
        let first = try training.trainRound(train).tasks, second = try training.trainRound(train).tasks
        #expect(first.count > 1)
        #expect(first.mapValues(\.model.digest) == second.mapValues(\.model.digest))
    }

    @Test("a bag's task model scores the mean of its members' models, each trained as the member alone on the same rows")
    func bagAveragesItsMembers() throws {
        var configuration = Fixtures.configuration
        configuration.bagSize = 2
        let train = Fixtures.scenario.rounds[0].train
        let bag = try RoundTraining(configuration: configuration).trainRound(train).tasks
        let members = try (0..<2).map { try RoundTraining(configuration: configuration.member($0)).trainRound(train).tasks }
        func trees(_ stored: StoredModel?) throws -> GradientBoostedTrees {
            guard case .gradientBoostedTrees(let model) = try #require(stored).model else {
                throw LifelongError(.corruptIndex, "not a tree model")
            }
            return model
        }
        let test = Fixtures.scenario.rounds[0].test
        var membersDiffer = false
        for task in bag.keys.sorted() {
            let model = try trees(bag[task]?.model)
            let memberModels = try members.map { try trees($0[task]?.model) }
            for row in (0..<test.rowCount).filter({ test.attributeKey(ofRow: $0) == task }) {
                let features = test.table.features(ofRow: row)
                let scores = try model.rawScores(features)
                let memberScores = try memberModels.map { try $0.rawScores(features) }
                membersDiffer = membersDiffer || memberScores[0] != memberScores[1]
                for output in scores.indices {
                    #expect(abs(scores[output] - (memberScores[0][output] + memberScores[1][output]) / 2) < 1e-4)
                }
            }
        }
        // The members' own splits gave them different models: the average is not one of them.
        #expect(membersDiffer)
        // The learner serves the bag: its task models are averages, not member 0's model.
        var learner = try LifelongLearner(configuration: configuration)
        try learner.update(with: train, timeUs: 1)
        var single = try LifelongLearner(configuration: configuration.member(0))
        try single.update(with: train, timeUs: 1)
        let (bagged, alone) = (try #require(learner.index), try #require(single.index))
        for task in alone.tasks.map(\.name) {
            let baggedModel = try trees(bagged.models[try #require(bagged.assignment(of: task)?.model)])
            let aloneModel = try trees(alone.models[try #require(alone.assignment(of: task)?.model)])
            #expect(baggedModel.trees.count > aloneModel.trees.count)
        }
    }

    @Test("invalid configuration is rejected naming the field")
    func configuration() {
        var configuration = LifelongConfiguration()
        configuration.targetFalsePositiveRate = 0
        #expect { try LifelongLearner(configuration: configuration) } throws: {
            ($0 as? LifelongError)?.field == "targetFalsePositiveRate"
        }
        configuration = LifelongConfiguration()
        configuration.bagSize = 0
        #expect { try LifelongLearner(configuration: configuration) } throws: { ($0 as? LifelongError)?.field == "bagSize" }
    }
}
