import LifelongCore
import LifelongProto

/// AllocateSamples: each sample's task by the given allocator — exactly what
/// `TaskAllocator.allocate` answers in-process — with, for cluster allocators, the Euclidean
/// distance to the chosen centroid in standardized space.
///
/// An allocator alone carries no task statistics, so there is no similarity fallback here: a
/// sample whose attributes match no route gets an empty task name (`by_similarity` stays
/// false). The index does the fallback at inference (`TaskIndex.predict`).
enum SampleAllocator {
    /// Allocates the request's samples.
    /// - Throws: ``TaskMiningError`` INVALID_ARGUMENT naming the field: a missing or
    ///   inconsistent allocator, a sample of another feature count.
    static func allocate(_ request: Lifelong_V1_AllocateSamplesRequest) throws -> Lifelong_V1_AllocateSamplesResponse {
        guard let message = request.allocator else { throw TaskMiningError.invalid("allocator", "is missing") }
        let allocator: TaskAllocator
        do {
            allocator = try TaskAllocator(message: message)
        } catch let error as LifelongError {
            throw TaskMiningError.invalid(error.field ?? "allocator", error.message, cause: error)
        }
        let centroids = Dictionary(allocator.centroids.map { ($0.task, $0.coordinates) }, uniquingKeysWith: { first, _ in first })
        var response = Lifelong_V1_AllocateSamplesResponse()
        response.allocations = try request.samples.enumerated().map { index, sample in
            let features = try SampleRows.features(of: sample, width: allocator.featureCount, name: "samples[\(index)]")
            var allocation = Lifelong_V1_Allocation()
            let attributes = SampleRows.attributes(of: sample, names: allocator.attributeNames)
            guard let task = try allocator.allocate(features: features, attributes: attributes) else { return allocation }
            allocation.taskName = task
            if allocator.kind == .clusters, let centroid = centroids[task] {
                allocation.distance = KMeansClustering.squaredDistance(allocator.standardizer.standardize(features), centroid)
                    .squareRoot()
            }
            return allocation
        }
        return response
    }
}
