import LifelongLearning

/// How rows are grouped into tasks.
public enum TaskDefinition: Sendable, Hashable {
    /// One task per combination of the attribute values (task name = values joined by "_").
    case attributes
    /// k-means++ clusters in standardized feature space, k chosen by silhouette in the range.
    case clusters(kRange: ClosedRange<Int>)
}

/// The tasks found in a data set: each task's name and rows, and how to route new rows.
public struct TaskPartition: Sendable {
    /// One defined task.
    public struct DefinedTask: Sendable, Hashable {
        /// The task's name.
        public var name: String
        /// Its attribute values (attribute tasks), empty otherwise.
        public var attributes: [String]
        /// Its cluster index (cluster tasks), nil otherwise.
        public var cluster: Int?
        /// Row indices of the data set.
        public var rows: [Int]
    }

    /// The tasks, in a stable order (attribute keys sorted; clusters by index).
    public var tasks: [DefinedTask]
    /// Cluster centroids in the allocator's standardized space (cluster tasks).
    public var centroids: [[Double]]
    /// Silhouette per k tried (cluster tasks).
    public var silhouetteByK: [Int: Double]

    /// Defines tasks over a data set.
    /// - Parameters:
    ///   - data: The labelled rows.
    ///   - definition: By attributes or by clustering.
    ///   - standardizer: Global feature statistics used to standardize (cluster tasks).
    ///   - minTaskSize: Clusters smaller than this are merged into the nearest other cluster.
    ///     Attribute tasks are never merged (they are handled by transfer instead).
    ///   - seed: Seed of the clustering.
    /// - Throws: `LifelongError.emptyData` for an empty set; `.missingColumn` for attribute
    ///   tasks without attribute columns.
    public static func define(
        _ data: LabelledSet, by definition: TaskDefinition, standardizer: FeatureStatistics, minTaskSize: Int,
        seed: UInt64
    ) throws -> TaskPartition {
        guard data.rowCount > 0 else { throw LifelongError(.emptyData, "cannot define tasks on an empty data set") }
        switch definition {
        case .attributes:
            guard !data.attributeNames.isEmpty else {
                throw LifelongError(.missingColumn, "attribute tasks need at least one attribute column", field: "attributes")
            }
            var rowsByKey: [String: [Int]] = [:]
            var valuesByKey: [String: [String]] = [:]
            for row in 0..<data.rowCount {
                let key = data.attributeKey(ofRow: row)
                rowsByKey[key, default: []].append(row)
                valuesByKey[key] = data.attributes[row]
            }
            let tasks = rowsByKey.keys.sorted().map {
                DefinedTask(name: $0, attributes: valuesByKey[$0]!, cluster: nil, rows: rowsByKey[$0]!)
            }
            return TaskPartition(tasks: tasks, centroids: [], silhouetteByK: [:])
        case .clusters(let kRange):
            let points = (0..<data.rowCount).map { standardizer.standardize(data.table.features(ofRow: $0)) }
            let result = try KMeansClustering(kRange: kRange, seed: seed).fit(points)
            var centroids = result.centroids
            var assignments = result.assignments
            // Merge clusters below the minimum size into their nearest neighbour, smallest first.
            while centroids.count > 1 {
                var counts = [Int](repeating: 0, count: centroids.count)
                for a in assignments { counts[a] += 1 }
                guard let small = counts.indices.filter({ counts[$0] < minTaskSize }).min(by: { counts[$0] < counts[$1] })
                else { break }
                let others = centroids.indices.filter { $0 != small }
                let target = others.min {
                    KMeansClustering.squaredDistance(centroids[$0], centroids[small])
                        < KMeansClustering.squaredDistance(centroids[$1], centroids[small])
                }!
                let total = counts[small] + counts[target]
                if total > 0 {
                    centroids[target] = zip(centroids[target], centroids[small]).map {
                        ($0 * Double(counts[target]) + $1 * Double(counts[small])) / Double(total)
                    }
                }
                centroids.remove(at: small)
                assignments = assignments.map { $0 == small ? (target > small ? target - 1 : target) : ($0 > small ? $0 - 1 : $0) }
            }
            var rows = [[Int]](repeating: [], count: centroids.count)
            for (row, cluster) in assignments.enumerated() { rows[cluster].append(row) }
            let tasks = centroids.indices.map {
                DefinedTask(name: "cluster-\($0)", attributes: [], cluster: $0, rows: rows[$0])
            }
            return TaskPartition(tasks: tasks, centroids: centroids, silhouetteByK: result.silhouetteByK)
        }
    }
}
