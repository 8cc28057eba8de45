import LifelongCore
import LifelongLearning
import Testing

@Suite("Task relations and unseen-task detectors")
struct RelationAndDetectorTests {
    @Test("relations: every pair measured, weights in [0, 1], tasks of one climate zone relate more strongly")
    func relations() throws {
        let index = try #require(try Fixtures.initialLearner().index)
        let n = index.tasks.count
        #expect(index.relations.count == n * (n - 1))
        #expect(index.relations.allSatisfy { (0...1).contains($0.weight) && $0.dataDistance >= 0 })
        let zone = Dictionary(uniqueKeysWithValues: Fixtures.scenario.sites.map { ($0.name, $0.zone) })
        func sameZone(_ r: TaskRelation) -> Bool {
            zone[String(r.from.split(separator: "_")[0])] == zone[String(r.to.split(separator: "_")[0])]
        }
        func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }
        let same = mean(index.relations.filter(sameZone).map(\.weight))
        let other = mean(index.relations.filter { !sameZone($0) }.map(\.weight))
        #expect(same > other)
        #expect(!index.groups.isEmpty)
        #expect(Set(index.groups.flatMap(\.tasks)) == Set(index.tasks.map(\.name)))
    }

    @Test("detectors are calibrated to the target false-positive rate on held-out rows")
    func calibration() throws {
        let learner = try Fixtures.initialLearner()
        let index = try #require(learner.index)
        for kind in [UnseenTaskDetector.Kind.confidence, .distribution] {
            let detector = try #require(index.detector(kind))
            #expect(detector.threshold.isFinite)
            #expect(detector.targetFalsePositiveRate == learner.configuration.targetFalsePositiveRate)
            #expect((0...1).contains(detector.precision) && (0...1).contains(detector.recall))
            var flagged = 0, total = 0
            for task in index.tasks {
                let heldOut = try #require(learner.heldOutRows(of: task.name))
                for prediction in try index.predict(heldOut) {
                    total += 1
                    if prediction.flaggedBy.contains(kind) { flagged += 1 }
                }
            }
            // The threshold is the (1 − FPR) quantile of these very scores.
            #expect(Double(flagged) / Double(total) <= detector.targetFalsePositiveRate + 0.01)
        }
        let attributes = try #require(index.detector(.attributes))
        #expect(attributes.precision == 1 && attributes.recall == 1)
    }

    @Test("fresh held-out rows of known tasks are rarely flagged; rows of a far-away climate are")
    func distribution() throws {
        let index = try #require(try Fixtures.initialLearner().index)
        let known = try Fixtures.scenario.extraTest(sitesOfRound: 0, samplesPerTask: 40, seed: 7)
        let rate = try Double(index.predict(known).filter { $0.flaggedBy.contains(.distribution) }.count) / Double(known.rowCount)
        #expect(rate < 0.12)
        // Rows 8 standard deviations away in air temperature.
        var rows = known.table.columns
        rows[0] = rows[0].map { $0 + 25 }
        rows[1] = rows[1].map { $0 + 25 }
        let far = try LabelledSet(
            table: Table(encoding: known.table.encoding, columns: rows, labels: known.table.labels),
            attributeNames: known.attributeNames, attributes: known.attributes)
        let farRate = try Double(index.predict(far).filter { $0.flaggedBy.contains(.distribution) }.count) / Double(far.rowCount)
        #expect(farRate > 0.95)
    }
}

@Suite("detection quality over scores")
struct DetectionQualityScoreTests {
    @Test("ROC area and the best recall at a false-positive rate, computed by hand")
    func rocArea() throws {
        var quality = DetectionQuality()
        // Known: 0.1 0.2 0.3 0.4; unseen: 0.35 0.5 0.6 0.2.
        for score in [0.1, 0.2, 0.3, 0.4] { quality.record(flagged: score > 0.45, unseen: false, score: score) }
        for score in [0.35, 0.5, 0.6, 0.2] { quality.record(flagged: score > 0.45, unseen: true, score: score) }
        // Pairs (unseen above known): 0.35 → 3, 0.5 → 4, 0.6 → 4, 0.2 → 1 + ½ (tie with 0.2) = 12.5 of 16.
        #expect(try #require(quality.rocArea) == 12.5 / 16)
        // FPR 0 (threshold 0.4): recall 2/4; FPR ≤ 0.25 (threshold 0.3): 0.35, 0.5, 0.6 → 3/4.
        #expect(quality.bestRecall(atFalsePositiveRate: 0)?.recall == 0.5)
        #expect(quality.bestRecall(atFalsePositiveRate: 0.25)?.recall == 0.75)
        #expect(quality.bestRecall(atFalsePositiveRate: 0.25)?.falsePositiveRate == 0.25)
        #expect(quality.truePositives == 2 && quality.falsePositives == 0)
        #expect(DetectionQuality().rocArea == nil)
    }
}
