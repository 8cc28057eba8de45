import LifelongLearning

/// The tuned baseline's hyper-parameters: depth × learning rate from a grid, rounds from 50 to
/// 400, chosen by the lowest mean validation log loss over 2-fold inner validation on the
/// training rows (never on test rows). One training per fold and grid point gives the loss
/// after every round, so every round count is tried at the cost of the largest.
struct GridSearch: Sendable {
    static let folds = 2

    /// Parameters the grid does not set (sampling, regularization).
    let base: GradientBoostingParameters
    let seed: UInt64
    var depths = [2, 3, 4, 6]
    var learningRates: [Float] = [0.05, 0.1, 0.3]
    var rounds = 50...400

    /// The best parameters for `table`; `base` when it is too small to split.
    func best(for table: Table) throws -> GradientBoostingParameters {
        guard table.rowCount >= 4 * Self.folds else { return base }
        let splits = Folds(rowCount: table.rowCount, count: Self.folds, seed: seed ^ 0x6121_D5EA).map { fold in
            (train: table.selecting(rows: fold.kept), validation: table.selecting(rows: fold.held))
        }
        var best = base
        var bestLoss = Double.infinity
        for depth in depths {
            for learningRate in learningRates {
                var parameters = base
                parameters.maxDepth = depth
                parameters.learningRate = learningRate
                parameters.rounds = rounds.upperBound
                parameters.seed = seed
                var totals = [Double](repeating: 0, count: rounds.upperBound)
                for split in splits where split.train.classCounts().filter({ $0 > 0 }).count >= 2 {
                    let model = try LifelongError.wrapping("grid search") {
                        try GradientBoostedTrees.train(on: split.train, validation: split.validation, parameters: parameters)
                    }
                    for (round, loss) in model.validationLosses.enumerated() { totals[round] += loss }
                }
                for count in rounds where totals[count - 1] < bestLoss {
                    bestLoss = totals[count - 1]
                    best = parameters
                    best.rounds = count
                }
            }
        }
        return best
    }
}
