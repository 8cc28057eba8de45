import LifelongCore
import LifelongProto

/// What every unit of a run reads from the knowledge base: the base snapshot, the job's
/// schema (the request's, else the base's) and its labelled samples split by task — by
/// attribute values, or for a clustering run by the plan's allocator.
struct RunInputs: Sendable {
    var base: Lifelong_V1_TaskIndexSnapshot?
    var schema: JobSchema
    var samples: JobSamples
    /// A clustering run's plan (tasks and allocator); nil for attribute tasks.
    var plan: Lifelong_V1_DefineTasksResponse?

    /// Gives a clustering run its plan, from the base snapshot and the job's schema.
    typealias Planner = @Sendable (_ base: Lifelong_V1_TaskIndexSnapshot?, _ schema: JobSchema) async throws
        -> Lifelong_V1_DefineTasksResponse

    /// Reads them (waiting while the KB is unreachable).
    /// - Parameter since: Samples after this sequence count as new.
    /// - Throws: ``TrainingError`` NOT_FOUND for an unknown base version; INVALID_ARGUMENT for
    ///   samples or a base schema that do not fit.
    /// - Parameter planner: A clustering run's plan (``ClusterPlan``); unused for attribute tasks.
    static func load(_ context: UnitContext, since: Int64, planner: Planner? = nil) async throws -> RunInputs {
        try await load(request: context.request, kb: context.kb, since: since, onWait: context.onWait, planner: planner)
    }

    /// ``load(_:since:)`` for a request outside a unit.
    static func load(
        request: RunRequest, kb: KnowledgeBaseAccess, since: Int64, onWait: @Sendable (String) async -> Void,
        planner: Planner? = nil
    ) async throws -> RunInputs {
        let base = request.baseVersion > 0
            ? try await kb.snapshot(job: request.jobID, version: request.baseVersion, onWait: onWait) : nil
        let schema: JobSchema
        if let requested = request.schema {
            schema = requested
        } else if let message = base?.schema {
            schema = try JobSchema(message, field: "base snapshot schema", attributeTasks: !request.definesClusters)
        } else {
            throw TrainingError.invalid("spec.schema", "neither the request nor the base snapshot has a schema")
        }
        if let kind = base?.allocator?.kind, (kind == .clusters) != request.definesClusters {
            throw TrainingError(
                .failedPrecondition,
                "spec.task_definition: base version \(request.baseVersion) defines tasks by \(kind == .clusters ? "clustering" : "attributes")")
        }
        var plan: Lifelong_V1_DefineTasksResponse?
        var allocator: TaskAllocator?
        if request.definesClusters {
            guard let planner else { throw TrainingError(.internalError, "a clustering run's inputs were read without its plan") }
            let mined = try await planner(base, schema)
            allocator = try TaskAllocator(message: mined.allocator ?? Lifelong_V1_TaskAllocator())
            plan = mined
        }
        let samples = try await kb.labelledSamples(job: request.jobID, onWait: onWait)
        return RunInputs(
            base: base, schema: schema,
            samples: try JobSamples(
                samples, schema: schema, trainFraction: request.trainFraction, since: since, allocator: allocator,
                retiredThrough: Dictionary(
                    (base?.tasks ?? []).filter { $0.retiredThroughSequence > 0 }.map { ($0.name, $0.retiredThroughSequence) },
                    uniquingKeysWith: max)),
            plan: plan)
    }

    /// A clustering run's plan record of a task.
    func planTask(_ name: String) -> Lifelong_V1_Task? {
        plan?.tasks.first { $0.name == name }
    }
}
