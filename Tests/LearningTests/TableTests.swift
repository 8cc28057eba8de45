import LifelongLearning
import Testing

@Suite("Table and splits")
struct TableTests {
    let encoding = FeatureEncoding(
        features: [
            FeatureColumn(name: "x", kind: .numeric),
            FeatureColumn(name: "c", kind: .categorical(try! CategoricalEncoding(categories: ["a", "b"]))),
        ],
        labelName: "label", label: .classification(classes: try! CategoricalEncoding(categories: ["n", "y"])))

    @Test("accepts NaN as missing and exposes rows and row-major features")
    func validTable() throws {
        let table = try Table(encoding: encoding, columns: [[1, .nan], [0, 1]], labels: [0, 1])
        #expect(table.rowCount == 2)
        #expect(table.features(ofRow: 0) == [1, 0])
        let rowMajor = table.rowMajorFeatures()
        #expect(rowMajor[0] == 1 && rowMajor[1] == 0 && rowMajor[2].isNaN && rowMajor[3] == 1)
    }

    @Test("rejects infinite features, bad category codes, bad labels and ragged columns", arguments: [
        ([[Float.infinity, 1], [0, 1]], [Float(0), 1], LearningError.Code.nonFiniteValue),
        ([[1, 1], [0, 2]], [0, 1], .unknownCategory),
        ([[1, 1], [0, 0.5]], [0, 1], .unknownCategory),
        ([[1, 1], [0, 1]], [0, 2], .invalidLabel),
        ([[1, 1], [0, 1]], [0, .nan], .invalidLabel),
        ([[1, 1, 3], [0, 1]], [0, 1], .shapeMismatch),
        ([[1, 1]], [0, 1], .shapeMismatch),
    ])
    func invalid(columns: [[Float]], labels: [Float], code: LearningError.Code) {
        let error = learningError { _ = try Table(encoding: encoding, columns: columns, labels: labels) }
        #expect(error?.code == code)
    }

    @Test("the error for an infinite value names the row and feature")
    func infiniteNamesPosition() {
        let error = learningError { _ = try Table(encoding: encoding, columns: [[1, -.infinity], [0, 1]], labels: [0, 1]) }
        #expect(error?.line == 2 && error?.column == 1 && error?.field == "x")
    }

    @Test("splits are seeded, disjoint, complete and stratified")
    func stratifiedSplit() throws {
        let table = try TestData.classificationTable(rows: 1000, seed: 1)
        let first = try table.split(evalFraction: 0.2, seed: 7)
        let again = try table.split(evalFraction: 0.2, seed: 7)
        let other = try table.split(evalFraction: 0.2, seed: 8)
        #expect(first.evalRows == again.evalRows)
        #expect(first.evalRows != other.evalRows)
        #expect(Set(first.evalRows).isDisjoint(with: first.trainRows))
        #expect(first.evalRows.count + first.trainRows.count == 1000)
        for k in 0..<3 {
            let all = table.classLabels.filter { $0 == k }.count
            let held = first.eval.classLabels.filter { $0 == k }.count
            #expect(held == Int((0.2 * Double(all)).rounded()))
        }
        #expect(first.eval.labels == first.evalRows.map { table.labels[$0] })
    }

    @Test("a split that would leave a part empty fails")
    func emptySplit() throws {
        let table = try Table(encoding: encoding, columns: [[1], [0]], labels: [0])
        #expect(learningError { _ = try table.split(evalFraction: 0.5, seed: 1) }?.code == .emptyTrainingSet)
        #expect(learningError { _ = try table.split(evalFraction: 1.5, seed: 1) }?.code == .invalidParameter)
    }

    @Test("encodeRow turns strings into model input")
    func encodeRow() throws {
        let row = try encoding.encodeRow(["2.5", "b"])
        #expect(row == [2.5, 1])
        #expect(try encoding.encodeRow(named: ["c": "a"])[0].isNaN)
        #expect(learningError { _ = try encoding.encodeRow(["1", "zzz"]) }?.code == .unknownCategory)
        #expect(try encoding.encodeRow(["1", "zzz"], unknownCategory: .treatAsMissing)[1].isNaN)
        #expect(learningError { _ = try encoding.encodeRow(["1"]) }?.code == .featureCountMismatch)
        #expect(learningError { _ = try encoding.encodeRow(["inf", "a"]) }?.code == .nonFiniteValue)
    }
}
