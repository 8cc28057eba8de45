import LifelongLearning

/// Trains task models: on a task's own rows, or with transfer from related tasks.
///
/// Transfer builds one training set from the task's own rows and rows borrowed from its
/// lenders: lender j gives `borrowedRows · w_j / Σw` rows (seeded sample without
/// replacement), and the own rows are repeated so that they carry `ownShare` of the total
/// weight. The trees thus start from what the related tasks know and bend towards the task's
/// own boundaries where its rows disagree. (The learning library has neither per-row weights
/// nor continued boosting from a base margin; repetition stands in for weights.)
struct TaskModelTrainer: Sendable {
    let parameters: GradientBoostingParameters
    let transfer: TransferParameters

    /// A model on `table` alone; nil when it has fewer than two classes or no rows.
    func trainOwn(_ table: Table, seed: UInt64) throws -> TrainedModel? {
        guard table.rowCount > 0, table.classCounts().filter({ $0 > 0 }).count >= 2 else { return nil }
        var parameters = parameters
        parameters.seed = seed
        let model = try LifelongError.wrapping("training a task model") {
            try GradientBoostedTrees.train(on: table, parameters: parameters)
        }
        return .gradientBoostedTrees(model)
    }

    /// A model on own rows plus rows borrowed from lenders; nil when even the pooled rows have
    /// fewer than two classes.
    func trainWithTransfer(own: Table, lenders: [(table: Table, weight: Double)], seed: UInt64) throws -> TrainedModel? {
        guard !lenders.isEmpty else { return try trainOwn(own, seed: seed) }
        return try trainOwn(Self.transferTable(own: own, lenders: lenders, parameters: transfer, seed: seed), seed: seed)
    }

    /// The pooled training set of transfer.
    static func transferTable(
        own: Table, lenders: [(table: Table, weight: Double)], parameters: TransferParameters, seed: UInt64
    ) -> Table {
        var random = SeededGenerator(seed: seed)
        let totalWeight = lenders.reduce(0) { $0 + $1.weight }
        var columns = own.columns.map { _ in [Float]() }
        var labels: [Float] = []
        var borrowed = 0
        for (table, weight) in lenders where totalWeight > 0 {
            let count = min(table.rowCount, Int((Double(parameters.borrowedRows) * weight / totalWeight).rounded()))
            var rows = Array(0..<table.rowCount)
            rows.shuffle(using: &random)
            for row in rows.prefix(count) {
                for f in columns.indices { columns[f].append(table.columns[f][row]) }
                labels.append(table.labels[row])
            }
            borrowed += count
        }
        let repeats = max(1, Int((parameters.ownShare / (1 - parameters.ownShare) * Double(borrowed) / Double(max(own.rowCount, 1))).rounded()))
        for _ in 0..<repeats {
            for f in columns.indices { columns[f] += own.columns[f] }
            labels += own.labels
        }
        return Table(unchecked: own.encoding, columns: columns, labels: labels)
    }
}
