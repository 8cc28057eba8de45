import Foundation
import LifelongCore
import LifelongLearning
import LifelongProto

/// What the planning unit left for one task's unit: the job's schema, the task's samples as
/// read when the round was planned, per member of the bag (`LifelongConfiguration.bagSize`)
/// the prior and the task's start (the attribute values the prior is specialized to, the
/// out-of-fold raw scores of the task's rows under it, the factor on its correction and its
/// level), and the attribute categories of every task.
struct PlanArtifacts: Sendable {
    /// The artifact `name` of bag member `member`: the name itself for member 0,
    /// "member<N>/<name>" for the others.
    static func name(_ name: String, member: Int) -> String { member == 0 ? name : "member\(member)/\(name)" }

    var schema: JobSchema
    /// A clustering run's plan (tasks and allocator); nil for attribute tasks.
    var plan: Lifelong_V1_DefineTasksResponse?
    /// The task's samples as the plan read them (only this task's).
    var samples: JobSamples
    var rows: JobSamples.TaskRows
    /// Per bag member, in member order.
    var members: [RoundTraining.MemberStart]
    var categories: [CategoricalEncoding]

    /// Reads them.
    /// - Throws: ``TrainingError`` INTERNAL when the plan left no such artifacts.
    static func load(_ context: UnitContext, task: String) async throws -> PlanArtifacts {
        let store = context.store
        let run = context.runID
        guard let schemaBytes = try await store.artifact("schema", run: run),
            let sampleBytes = try await store.artifact("samples:\(task)", run: run),
            let categoryBytes = try await store.artifact("categories", run: run)
        else { throw TrainingError(.internalError, "the run's plan left no schema or samples for task '\(task)'") }
        let request = context.request
        let schema = try JobSchema(
            try Lifelong_V1_FeatureSchema(serializedBytes: schemaBytes), field: "schema", attributeTasks: !request.definesClusters)
        let plan = request.definesClusters ? try await ClusterPlan.load(context) : nil
        let allocator = try plan.map { try TaskAllocator(message: $0.allocator ?? Lifelong_V1_TaskAllocator()) }
        let retired = try await store.artifact("retired:\(task)", run: run).flatMap { Int64(String(decoding: $0, as: UTF8.self)) }
        let samples = try JobSamples(
            try Lifelong_V1_SampleBatch(serializedBytes: sampleBytes).samples, schema: schema,
            trainFraction: request.trainFraction, since: 0, allocator: allocator, retiredThrough: retired.map { [task: $0] } ?? [:])
        guard let rows = samples.tasks[task] else { throw TrainingError(.internalError, "the plan's samples are not task '\(task)'s") }
        let taskAttributes = try JSONDecoder().decode([[String]].self, from: Data(categoryBytes))
        var members: [RoundTraining.MemberStart] = []
        for member in 0..<request.configuration.bagSize {
            func artifact(_ kind: String) async throws -> [UInt8]? {
                try await store.artifact(name("\(kind):\(task)", member: member), run: run)
            }
            guard let priorBytes = try await store.artifact(name("prior", member: member), run: run) else {
                throw TrainingError(.internalError, "the run's plan left no prior of bag member \(member) for task '\(task)'")
            }
            guard case .gradientBoostedTrees(let prior) = try StoredModel(bytes: priorBytes).model else {
                throw TrainingError(.internalError, "the run's prior is not a tree ensemble")
            }
            var start: RoundTraining.Start?
            if let margins = try await artifact("margins").map(MarginCodec.decode) {
                let attributes = try await artifact("start").map { try StartAttributes.decode($0) }
                let scale = try await artifact("scale").flatMap { Float(String(decoding: $0, as: UTF8.self)) }
                let level = try await artifact("level").map(MarginCodec.decode)?.first ?? []
                start = RoundTraining.Start(
                    attributes: attributes ?? rows.attributes, margins: margins, correctionScale: scale ?? 1, levelShift: level)
            }
            members.append(RoundTraining.MemberStart(prior: prior, start: start))
        }
        return PlanArtifacts(
            schema: schema, plan: plan, samples: samples, rows: rows, members: members,
            categories: RoundTraining.categories(attributeNames: schema.attributeNames, taskAttributes: taskAttributes))
    }
}
