import LifelongLearning

/// A seeded k-fold split of row indices: the rows shuffled once, row i of the shuffle in fold
/// i mod k. Used by every inner validation (grid search, correction rounds, cross-fitting).
struct Folds: Sequence {
    /// One fold: the rows it holds out and the rows it keeps.
    struct Fold {
        var held: [Int]
        var kept: [Int]
    }

    private let order: [Int]
    let count: Int

    /// Splits `rowCount` rows into `count` folds, shuffled with `seed`.
    init(rowCount: Int, count: Int, seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        var order = Array(0..<rowCount)
        order.shuffle(using: &generator)
        self.order = order
        self.count = count
    }

    func makeIterator() -> AnyIterator<Fold> {
        var fold = 0
        return AnyIterator {
            guard fold < count else { return nil }
            defer { fold += 1 }
            return Fold(
                held: order.indices.filter { $0 % count == fold }.map { order[$0] },
                kept: order.indices.filter { $0 % count != fold }.map { order[$0] })
        }
    }
}
