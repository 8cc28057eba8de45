/// Counts of (true class, predicted class) pairs.
public struct ConfusionMatrix: Sendable, Hashable {
    /// The number of classes.
    public let classCount: Int
    /// `counts[actual * classCount + predicted]`.
    public let counts: [Int]

    /// Counts label/prediction pairs.
    /// - Throws: `LearningError` `.shapeMismatch` for arrays of different lengths or no rows,
    ///   `.invalidLabel` for a class outside `0..<classCount`, naming the row.
    public init(labels: [Int], predicted: [Int], classCount: Int) throws {
        guard classCount >= 1 else {
            throw LearningError(.invalidParameter, "classCount must be >= 1, got \(classCount)", field: "classCount")
        }
        guard labels.count == predicted.count else {
            throw LearningError(.shapeMismatch, "\(labels.count) labels but \(predicted.count) predictions")
        }
        guard !labels.isEmpty else { throw LearningError(.shapeMismatch, "no rows to evaluate") }
        var counts = [Int](repeating: 0, count: classCount * classCount)
        for row in labels.indices {
            let actual = labels[row], guess = predicted[row]
            guard (0..<classCount).contains(actual) else {
                throw LearningError(.invalidLabel, "row \(row): label \(actual) outside 0..<\(classCount)", line: row + 1, field: "label")
            }
            guard (0..<classCount).contains(guess) else {
                throw LearningError(
                    .invalidLabel, "row \(row): prediction \(guess) outside 0..<\(classCount)", line: row + 1,
                    field: "prediction")
            }
            counts[actual * classCount + guess] += 1
        }
        self.classCount = classCount
        self.counts = counts
    }

    /// The count of rows of class `actual` predicted as `predicted`.
    public subscript(actual: Int, predicted: Int) -> Int { counts[actual * classCount + predicted] }

    /// The number of rows counted.
    public var total: Int { counts.reduce(0, +) }
}
