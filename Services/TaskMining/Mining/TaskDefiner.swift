import LifelongCore
import LifelongLearning
import LifelongProto

/// DefineTasks: tasks by attribute values or by k-means++ clusters (the lifelong core's
/// `TaskPartition`), each with the statistics and sample count of its rows, and the
/// allocator that routes new samples to them.
struct TaskDefiner: Sendable {
    /// A request's definition parameters, checked before any sample is read.
    struct Parameters: Sendable, Hashable {
        /// Attributes or clusters (with the k range).
        var definition: TaskDefinition
        /// Smallest cluster; smaller ones are merged into their nearest neighbour.
        var minTaskSize: Int
        /// Seed of the clustering.
        var seed: UInt64
    }

    /// Defaults and limits.
    let configuration: TaskMiningConfiguration

    /// Checks a request's method, sizes and cluster range.
    /// - Throws: ``TaskMiningError`` INVALID_ARGUMENT naming the field: an unknown method,
    ///   attribute tasks without attribute columns, a negative `min_task_samples`, cluster
    ///   counts below 1, above the limit, or with `min_clusters` > `max_clusters`.
    func parameters(of request: Lifelong_V1_DefineTasksRequest, schema: MiningSchema) throws -> Parameters {
        guard request.minTaskSamples >= 0 else {
            throw TaskMiningError.invalid("min_task_samples", "must be >= 0 (0 = the default), got \(request.minTaskSamples)")
        }
        let minTaskSize = request.minTaskSamples == 0 ? configuration.defaultMinTaskSamples : Int(request.minTaskSamples)
        let seed = UInt64(bitPattern: request.seed)
        switch request.method {
        case .attributes:
            guard !schema.attributeNames.isEmpty else {
                throw TaskMiningError.invalid("schema.attribute_names", "is empty: tasks by attributes need attribute columns")
            }
            return Parameters(definition: .attributes, minTaskSize: minTaskSize, seed: seed)
        case .clustering:
            return Parameters(definition: .clusters(kRange: try clusterRange(of: request)), minTaskSize: minTaskSize, seed: seed)
        default:
            throw TaskMiningError.invalid("method", "must be ATTRIBUTES or CLUSTERING, got \(request.method.rawValue)")
        }
    }

    private func clusterRange(of request: Lifelong_V1_DefineTasksRequest) throws -> ClosedRange<Int> {
        if request.minClusters == 0, request.maxClusters == 0 { return configuration.defaultClusterRange }
        let maximum = configuration.limits.maximumClusters
        guard request.minClusters >= 1 else {
            throw TaskMiningError.invalid("min_clusters", "must be >= 1 when max_clusters is set, got \(request.minClusters)")
        }
        guard request.maxClusters >= 1, request.maxClusters <= maximum else {
            throw TaskMiningError.invalid("max_clusters", "must be in 1…\(maximum), got \(request.maxClusters)")
        }
        guard request.minClusters <= request.maxClusters else {
            throw TaskMiningError.invalid(
                "min_clusters", "(\(request.minClusters)) is greater than max_clusters (\(request.maxClusters))")
        }
        return Int(request.minClusters)...Int(request.maxClusters)
    }

    /// Defines the tasks of the rows.
    /// - Throws: ``TaskMiningError`` INVALID_ARGUMENT when there are fewer samples than the
    ///   smallest cluster count.
    func define(_ data: LabelledSet, schema: MiningSchema, parameters: Parameters) throws -> Lifelong_V1_DefineTasksResponse {
        if case .clusters(let range) = parameters.definition, data.rowCount < range.lowerBound {
            throw TaskMiningError.invalid(
                "min_clusters", "asks for \(range.lowerBound) clusters of \(data.rowCount) samples")
        }
        let standardizer = FeatureStatistics(table: data.table)
        let partition = try TaskPartition.define(
            data, by: parameters.definition, standardizer: standardizer, minTaskSize: parameters.minTaskSize,
            seed: parameters.seed)
        let tasks = partition.tasks.map { task in
            TaskRecord(
                name: task.name, attributes: task.attributes, cluster: task.cluster,
                statistics: FeatureStatistics(table: data.table, rows: task.rows), sampleCount: task.rows.count, group: "",
                createdAtUs: 0, updatedAtUs: 0, distanceThreshold: 1)
        }
        var response = Lifelong_V1_DefineTasksResponse()
        let allocator: TaskAllocator
        switch parameters.definition {
        case .attributes:
            allocator = TaskAllocator(
                kind: .attributes, attributeNames: schema.attributeNames,
                routes: partition.tasks.map { TaskAllocator.Route(values: $0.attributes, task: $0.name) },
                standardizer: standardizer, centroids: [], featureCount: schema.encoding.featureCount)
        case .clusters(let range):
            allocator = TaskAllocator(
                kind: .clusters, attributeNames: [], routes: [], standardizer: standardizer,
                centroids: zip(partition.centroids, partition.tasks).map {
                    TaskAllocator.Centroid(coordinates: $0, task: $1.name)
                },
                featureCount: schema.encoding.featureCount)
            response.clusterScores = range.compactMap { partition.silhouetteByK[$0] }
            response.criterion = "silhouette"
        }
        let plan = try TaskPlan(
            schema: schema, attributeNames: allocator.attributeNames, tasks: tasks, allocator: allocator).message
        response.tasks = plan.tasks
        response.allocator = plan.allocator
        return response
    }
}
