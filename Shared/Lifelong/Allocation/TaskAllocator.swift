/// Maps a sample to a task: exact lookup of its attribute values, or the nearest cluster
/// centroid in standardized feature space. A sample the allocator cannot place is served by
/// the index's similarity fallback (see `TaskIndex.nearestTasks`).
public struct TaskAllocator: Sendable, Hashable {
    /// How samples are mapped.
    public enum Kind: Sendable, Hashable {
        /// Exact lookup of the attribute values.
        case attributes
        /// Nearest centroid in standardized space.
        case clusters
    }

    /// One attribute combination and its task.
    public struct Route: Sendable, Hashable {
        /// Values in `attributeNames` order.
        public var values: [String]
        /// The task they select.
        public var task: String

        /// Creates a route.
        public init(values: [String], task: String) {
            self.values = values
            self.task = task
        }
    }

    /// One centroid and its task.
    public struct Centroid: Sendable, Hashable {
        /// Coordinates in standardized space.
        public var coordinates: [Double]
        /// The task it selects.
        public var task: String

        /// Creates a centroid.
        public init(coordinates: [Double], task: String) {
            self.coordinates = coordinates
            self.task = task
        }
    }

    /// Lookup or clustering.
    public var kind: Kind
    /// Attribute columns, in key order.
    public var attributeNames: [String]
    /// Attribute routes (attribute allocators).
    public var routes: [Route]
    /// Global statistics that standardize features (clusters, similarity fallback).
    public var standardizer: FeatureStatistics
    /// Centroids (cluster allocators).
    public var centroids: [Centroid]
    /// Features a sample must carry.
    public var featureCount: Int

    private var routeTable: [[String]: String]

    /// Creates an allocator.
    public init(
        kind: Kind, attributeNames: [String], routes: [Route], standardizer: FeatureStatistics, centroids: [Centroid],
        featureCount: Int
    ) {
        self.kind = kind
        self.attributeNames = attributeNames
        self.routes = routes
        self.standardizer = standardizer
        self.centroids = centroids
        self.featureCount = featureCount
        routeTable = Dictionary(routes.map { ($0.values, $0.task) }, uniquingKeysWith: { first, _ in first })
    }

    /// The task of a sample, or nil when its attribute combination is unknown.
    /// - Parameters:
    ///   - features: `featureCount` values.
    ///   - attributes: Values in `attributeNames` order (attribute allocators); ignored by
    ///     cluster allocators.
    /// - Throws: `LifelongError.featureCountMismatch` for a wrong feature or attribute count.
    public func allocate(features: [Float], attributes: [String]) throws -> String? {
        guard features.count == featureCount else {
            throw LifelongError(
                .featureCountMismatch, "the index takes \(featureCount) features per sample, got \(features.count)",
                field: "features")
        }
        switch kind {
        case .attributes:
            guard attributes.count == attributeNames.count else {
                throw LifelongError(
                    .featureCountMismatch,
                    "the index takes \(attributeNames.count) attribute values (\(attributeNames.joined(separator: ", "))), got \(attributes.count)",
                    field: "attributes")
            }
            return routeTable[attributes]
        case .clusters:
            guard !centroids.isEmpty else { return nil }
            let point = standardizer.standardize(features)
            return centroids[KMeansClustering.nearest(point, centroids.map(\.coordinates)).index].task
        }
    }

    /// Whether the attribute combination is known (always true for cluster allocators).
    public func knows(attributes: [String]) -> Bool {
        kind == .clusters || routeTable[attributes] != nil
    }
}
