public import LifelongProto

// The allocator as `lifelong.v1.TaskAllocator` (Proto/lifelong/v1/task_index.proto) and back:
// the allocator of a task index snapshot, and of a task plan.

extension TaskAllocator {
    /// The allocator as a message.
    public var message: Lifelong_V1_TaskAllocator {
        var message = Lifelong_V1_TaskAllocator()
        message.kind = kind == .attributes ? .attributes : .clusters
        message.attributeNames = attributeNames
        message.routes = routes.map { route in
            var proto = Lifelong_V1_AttributeRoute()
            proto.values = route.values
            proto.taskName = route.task
            return proto
        }
        message.featureMean = standardizer.mean
        message.featureStddev = standardizer.stddev
        message.centroids = centroids.map { centroid in
            var proto = Lifelong_V1_ClusterCentroid()
            proto.coordinates = centroid.coordinates
            proto.taskName = centroid.task
            return proto
        }
        message.featureCount = Int32(featureCount)
        return message
    }

    /// The allocator a message describes (task names are not checked here: an index checks
    /// them against its tasks).
    /// - Parameter message: The message.
    /// - Throws: `LifelongError.corruptIndex` naming the field: no valid kind
    ///   (`allocator.kind`), a feature count below 1, or means, deviations, centroids or
    ///   routes whose widths differ from the feature count and attribute names (`allocator`).
    public init(message: Lifelong_V1_TaskAllocator) throws {
        let kind: Kind
        switch message.kind {
        case .attributes: kind = .attributes
        case .clusters: kind = .clusters
        default: throw LifelongError(.corruptIndex, "the allocator has no valid kind", field: "allocator.kind")
        }
        let width = Int(message.featureCount)
        guard width >= 1, message.featureMean.count == width, message.featureStddev.count == width,
              message.centroids.allSatisfy({ $0.coordinates.count == width }),
              message.routes.allSatisfy({ $0.values.count == message.attributeNames.count })
        else {
            throw LifelongError(
                .corruptIndex,
                "the allocator's means, deviations, centroids and routes must match its \(message.featureCount) features and \(message.attributeNames.count) attributes",
                field: "allocator")
        }
        self.init(
            kind: kind, attributeNames: message.attributeNames,
            routes: message.routes.map { Route(values: $0.values, task: $0.taskName) },
            standardizer: FeatureStatistics(
                count: 0, mean: message.featureMean,
                stddev: message.featureStddev.map { Swift.max($0, FeatureStatistics.minimumStddev) },
                min: .init(repeating: 0, count: width), max: .init(repeating: 0, count: width)),
            centroids: message.centroids.map { Centroid(coordinates: $0.coordinates, task: $0.taskName) },
            featureCount: width)
    }
}
