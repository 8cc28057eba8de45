import LifelongProto

/// What every unit of a run reads from the knowledge base: the base snapshot, the job's
/// schema (the request's, else the base's) and its labelled samples split by task.
struct RunInputs: Sendable {
    var base: Lifelong_V1_TaskIndexSnapshot?
    var schema: JobSchema
    var samples: JobSamples

    /// Reads them (waiting while the KB is unreachable).
    /// - Parameter since: Samples after this sequence count as new.
    /// - Throws: ``TrainingError`` NOT_FOUND for an unknown base version; INVALID_ARGUMENT for
    ///   samples or a base schema that do not fit.
    static func load(_ context: UnitContext, since: Int64) async throws -> RunInputs {
        try await load(request: context.request, kb: context.kb, since: since, onWait: context.onWait)
    }

    /// ``load(_:since:)`` for a request outside a unit.
    static func load(
        request: RunRequest, kb: KnowledgeBaseAccess, since: Int64, onWait: @Sendable (String) async -> Void
    ) async throws -> RunInputs {
        let base = request.baseVersion > 0
            ? try await kb.snapshot(job: request.jobID, version: request.baseVersion, onWait: onWait) : nil
        let schema: JobSchema
        if let requested = request.schema {
            schema = requested
        } else if let message = base?.schema {
            schema = try JobSchema(message, field: "base snapshot schema")
        } else {
            throw TrainingError.invalid("spec.schema", "neither the request nor the base snapshot has a schema")
        }
        let samples = try await kb.labelledSamples(job: request.jobID, onWait: onWait)
        return RunInputs(
            base: base, schema: schema,
            samples: try JobSamples(samples, schema: schema, trainFraction: request.trainFraction, since: since))
    }
}
