import Glibc
import FoundationEssentials
public import LifelongLearning

/// Discovers how tasks relate, from their data and from their models.
///
/// For every ordered pair (lender A, borrower B): the data distance is the Bhattacharyya
/// distance between their diagonal-Gaussian summaries (features scaled by the global standard
/// deviations); the cross accuracy is the accuracy of A's model on B's rows (B's held-out rows
/// when it has them, otherwise all of them — A never trained on them unless B lent to A). The
/// transfer weight is `crossAccuracy⁴ · exp(−distance)`: the model term dominates, because
/// equal inputs do not imply equal comfort boundaries, and the data term breaks ties.
/// Groups are the connected components of relations whose weight is at least
/// `groupWeight` × the borrower's best weight, in both directions' union.
public struct TaskRelationMiner: Sendable {
    /// Relative weight (to the borrower's best lender) that links two tasks into one group.
    public var groupWeight: Double = 0.9

    /// Creates a miner.
    public init() {}

    /// The transfer weight of a pair.
    public static func weight(crossAccuracy: Double, dataDistance: Double) -> Double {
        pow(max(0, min(1, crossAccuracy)), 4) * Glibc.exp(-max(0, dataDistance))
    }

    /// Relations from every lender with a model to one borrower.
    /// - Parameters:
    ///   - borrower: The borrowing task's name.
    ///   - rows: Rows to measure the lenders' models on.
    ///   - statistics: The borrower's statistics.
    ///   - lenders: Lender name, statistics and model.
    ///   - scale: Global standard deviations.
    /// - Returns: One relation per other lender, whatever its weight.
    /// - Throws: `LifelongError.learning` when a lender's model cannot score the rows.
    public func relations(
        to borrower: String, rows: Table, statistics: FeatureStatistics,
        lenders: [(name: String, statistics: FeatureStatistics, model: StoredModel)], scale: [Double]
    ) throws -> [TaskRelation] {
        guard rows.rowCount > 0 else { return [] }
        let labels = rows.classLabels
        return try lenders.filter { $0.name != borrower }.map { lender in
            let probabilities = try lender.model.probabilities(table: rows)
            let predicted = lender.model.model.model.classes(fromBatch: probabilities)
            let accuracy = Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(labels.count)
            let distance = lender.statistics.bhattacharyyaDistance(to: statistics, scale: scale)
            return TaskRelation(
                from: lender.name, to: borrower, weight: Self.weight(crossAccuracy: accuracy, dataDistance: distance),
                dataDistance: distance, crossAccuracy: accuracy)
        }
    }

    /// Groups tasks: connected components of strong relations.
    /// - Parameters:
    ///   - tasks: Every task's name (a task without relations is a group of its own).
    ///   - relations: The relations between them.
    /// - Returns: Groups "group-0", … in the order of their smallest member's name.
    public func groups(tasks: [String], relations: [TaskRelation]) -> [TaskGroupRecord] {
        var parent = Dictionary(uniqueKeysWithValues: tasks.map { ($0, $0) })
        func find(_ x: String) -> String {
            var x = x
            while let p = parent[x], p != x { x = p }
            return x
        }
        let best = Dictionary(grouping: relations, by: \.to).mapValues { $0.map(\.weight).max() ?? 0 }
        for relation in relations where relation.weight > 0 && relation.weight >= groupWeight * (best[relation.to] ?? 0) {
            guard parent[relation.from] != nil, parent[relation.to] != nil else { continue }
            let a = find(relation.from), b = find(relation.to)
            if a != b { parent[max(a, b)] = min(a, b) }
        }
        let members = Dictionary(grouping: tasks, by: find)
        return members.keys.sorted().enumerated().map { index, root in
            TaskGroupRecord(name: "group-\(index)", tasks: members[root]!.sorted())
        }
    }
}
