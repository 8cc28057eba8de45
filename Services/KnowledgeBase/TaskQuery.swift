import LifelongProto
import PostgresClient

/// Finding tasks: by name, attribute filter and distance to a feature vector within one
/// version, and one task's history across versions.
struct TaskQuery: Sendable {
    let pool: PostgresPool
    let limits: KnowledgeBaseConfiguration.Limits
    let snapshots: SnapshotStore

    /// Tasks of one version (the current one for version 0) that match every filter of the
    /// request; ranked by standardized distance when `nearest_to` is given.
    ///
    /// Works on the version's decoded snapshot (cached: versions are immutable), so a query
    /// costs one lookup of the version's status plus the filtering itself.
    /// - Throws: ``KnowledgeBaseError``: INVALID_ARGUMENT (a vector of the wrong length names
    ///   the expected count), NOT_FOUND, UNAVAILABLE.
    func query(_ request: Lifelong_V1_QueryTasksRequest) async throws -> Lifelong_V1_QueryTasksResponse {
        try Validation.identifier(request.jobId, field: "job_id", limits: limits)
        guard request.limit >= 0 else { throw KnowledgeBaseError.invalid("limit must be >= 0, got \(request.limit)") }
        for (index, attribute) in request.attributes.enumerated() where attribute.name.isEmpty {
            throw KnowledgeBaseError.invalid("attributes[\(index)].name is empty")
        }
        let snapshot = try await snapshots.get(jobID: request.jobId, version: request.version)

        if !request.nearestTo.isEmpty {
            let expected = Self.featureCount(of: snapshot)
            if let expected, request.nearestTo.count != expected {
                throw KnowledgeBaseError.invalid(
                    "nearest_to has \(request.nearestTo.count) values; expected \(expected) (the feature count of job '\(request.jobId)' version \(snapshot.version))"
                )
            }
        }

        // Rank indices and distances first; only the tasks returned are copied into replies.
        let ranked = !request.nearestTo.isEmpty
        var candidates: [(distance: Double, index: Int)] = []
        for (index, task) in snapshot.tasks.enumerated() {
            if !request.name.isEmpty && task.name != request.name { continue }
            if !request.attributes.allSatisfy({ wanted in
                task.attributes.contains { $0.name == wanted.name && $0.value == wanted.value }
            }) {
                continue
            }
            candidates.append((ranked ? Self.distance(request.nearestTo, to: task.statistics) : 0, index))
        }
        if ranked {
            // Ties keep the snapshot's order.
            candidates.sort { $0.distance < $1.distance || ($0.distance == $1.distance && $0.index < $1.index) }
        }
        if request.limit > 0 && candidates.count > Int(request.limit) {
            candidates.removeSubrange(Int(request.limit)...)
        }
        let matches = candidates.map { candidate in
            var match = Lifelong_V1_TaskMatch()
            match.task = snapshot.tasks[candidate.index]
            match.distance = candidate.distance
            return match
        }
        var response = Lifelong_V1_QueryTasksResponse()
        response.matches = matches
        return response
    }

    /// The number of features a snapshot's samples carry, if it says.
    static func featureCount(of snapshot: Lifelong_V1_TaskIndexSnapshot) -> Int? {
        if let columns = snapshot.schema?.columns.count, columns > 0 { return columns }
        if let count = snapshot.allocator?.featureCount, count > 0 { return Int(count) }
        return snapshot.tasks.lazy.compactMap { $0.statistics?.mean.count }.first { $0 > 0 }
    }

    /// Root-mean-square of the per-feature z-scores `(x - mean) / stddev`, over features where
    /// both the value and the task's statistics are known (NaN marks a missing value); a
    /// standard deviation of 0 counts as 1. Infinity for a task without statistics.
    static func distance(_ vector: [Double], to statistics: Lifelong_V1_FeatureStatistics?) -> Double {
        guard let statistics, statistics.mean.count == vector.count else { return .infinity }
        var sum = 0.0
        var used = 0
        for index in vector.indices {
            let value = vector[index]
            let mean = statistics.mean[index]
            guard !value.isNaN, !mean.isNaN else { continue }
            var scale = index < statistics.stddev.count ? statistics.stddev[index] : 1
            if !(scale > 0) || scale.isNaN { scale = 1 }
            let z = (value - mean) / scale
            sum += z * z
            used += 1
        }
        return used == 0 ? .infinity : (sum / Double(used)).squareRoot()
    }

    /// One task as in the newest version that has it, the models that served it (newest
    /// first) and every version that has it (oldest first).
    /// - Throws: ``KnowledgeBaseError``: INVALID_ARGUMENT, NOT_FOUND, UNAVAILABLE.
    func task(_ request: Lifelong_V1_GetTaskRequest) async throws -> Lifelong_V1_TaskDetail {
        try Validation.identifier(request.jobId, field: "job_id", limits: limits)
        try Validation.identifier(request.name, field: "name", limits: limits)
        let jobID = request.jobId
        let name = request.name
        return try await pool.run { connection in
            let rows = try connection.executePrepared(
                """
                select version, definition, model_sha256 from snapshot_tasks
                where job_id = $1 and name = $2 order by version desc
                """,
                parameters: [.text(jobID), .text(name)])
            guard rows.rowCount > 0, let definition = try rows.bytes(row: 0, column: 1) else {
                throw KnowledgeBaseError.notFound("job '\(jobID)' has no task named '\(name)'")
            }
            var detail = Lifelong_V1_TaskDetail()
            // Definitions are stored without timestamps; those live in `tasks`.
            var task = try Lifelong_V1_Task(serializedBytes: definition)
            let times = try connection.executePrepared(
                "select created_at, updated_at from tasks where job_id = $1 and name = $2",
                parameters: [.text(jobID), .text(name)])
            if times.rowCount == 1 {
                task.createdAtUs = try times.timestampMicroseconds(row: 0, column: 0) ?? 0
                task.updatedAtUs = try times.timestampMicroseconds(row: 0, column: 1) ?? 0
            }
            detail.task = task
            var models: [String] = []
            for row in 0..<rows.rowCount {
                detail.versions.append(try rows.int64(row: row, column: 0) ?? 0)
                if let model = try rows.string(row: row, column: 2), !models.contains(model) { models.append(model) }
            }
            detail.versions.reverse()
            if !models.isEmpty {
                let stored = try connection.executePrepared(
                    "select sha256, metadata from models where sha256 = any($1::text[])", parameters: [.textArray(models)])
                var bySHA: [String: Lifelong_V1_ModelMetadata] = [:]
                for row in 0..<stored.rowCount {
                    bySHA[try stored.string(row: row, column: 0) ?? ""] = try Lifelong_V1_ModelMetadata(
                        serializedBytes: try stored.bytes(row: row, column: 1) ?? [])
                }
                detail.models = models.compactMap { bySHA[$0] }
            }
            return detail
        }
    }
}
