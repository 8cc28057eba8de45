/// A seeded split of a table into a training part and an evaluation part.
public struct TrainEvalSplit: Sendable {
    /// The training rows.
    public let train: Table
    /// The evaluation rows.
    public let eval: Table
    /// Indices (in the original table) of the training rows, ascending.
    public let trainRows: [Int]
    /// Indices (in the original table) of the evaluation rows, ascending.
    public let evalRows: [Int]
}

extension Table {
    /// Splits the rows into training and evaluation parts, reproducibly.
    ///
    /// For classification tables the split is stratified: each class contributes
    /// `round(evalFraction × its row count)` rows to the evaluation part, but always keeps at
    /// least one row in training. Regression tables are shuffled as a whole. Both parts keep
    /// the original row order.
    /// - Parameters:
    ///   - evalFraction: Share of rows for evaluation, in (0, 1).
    ///   - seed: Equal seeds give equal splits.
    ///   - stratified: Whether to stratify by class (ignored for regression).
    /// - Returns: The two parts.
    /// - Throws: `LearningError` `.invalidParameter` for a fraction outside (0, 1), and
    ///   `.emptyTrainingSet` when a part would be empty.
    public func split(evalFraction: Double, seed: UInt64, stratified: Bool = true) throws -> TrainEvalSplit {
        guard evalFraction > 0, evalFraction < 1 else {
            throw LearningError(
                .invalidParameter, "evalFraction must be in (0, 1), got \(evalFraction)", field: "evalFraction")
        }
        var generator = SeededGenerator(seed: seed)
        var groups: [[Int]]
        if stratified, encoding.classCount > 0 {
            groups = [[Int]](repeating: [], count: encoding.classCount)
            for (row, label) in labels.enumerated() { groups[Int(label)].append(row) }
        } else {
            groups = [Array(0..<rowCount)]
        }
        var evalRows: [Int] = []
        var trainRows: [Int] = []
        for var group in groups where !group.isEmpty {
            group.shuffle(using: &generator)
            let take = min(group.count - 1, Int((evalFraction * Double(group.count)).rounded()))
            evalRows.append(contentsOf: group[..<take])
            trainRows.append(contentsOf: group[take...])
        }
        guard !evalRows.isEmpty, !trainRows.isEmpty else {
            throw LearningError(
                .emptyTrainingSet,
                "splitting \(rowCount) rows with evalFraction \(evalFraction) leaves a part empty")
        }
        evalRows.sort()
        trainRows.sort()
        return TrainEvalSplit(
            train: selecting(rows: trainRows), eval: selecting(rows: evalRows), trainRows: trainRows,
            evalRows: evalRows)
    }
}
