public import LifelongProto
public import Logging
public import RPCCore

/// The `lifelong.v1.TaskMining` service: stateless analysis of sample sets, inline or read
/// from the knowledge base. Each call decodes and checks its request (errors name the
/// field), reads its samples, and hands them to the type that does its work.
public struct TaskMiningService: Lifelong_V1_TaskMining.SimpleServiceProtocol {
    private let configuration: TaskMiningConfiguration
    private let sources: SampleSourceReader
    private let work: MiningQueue
    private let logger: Logger

    /// Creates the service.
    /// - Parameters:
    ///   - configuration: Limits, defaults and relation-model parameters.
    ///   - knowledgeBase: The client that reads samples referenced by job.
    ///   - logger: Where to log.
    public init(configuration: TaskMiningConfiguration, knowledgeBase: Lifelong_V1_KnowledgeBase.Client, logger: Logger) {
        self.configuration = configuration
        work = MiningQueue(width: configuration.limits.maximumConcurrentComputations)
        sources = SampleSourceReader(knowledgeBase: KnowledgeBaseSampleReader(client: knowledgeBase, limits: configuration.limits))
        self.logger = logger
    }

    public func defineTasks(
        request: Lifelong_V1_DefineTasksRequest, context: ServerContext
    ) async throws -> Lifelong_V1_DefineTasksResponse {
        let schema = try MiningSchema(request.schema)
        let definer = TaskDefiner(configuration: configuration)
        let parameters = try definer.parameters(of: request, schema: schema)
        let samples = try await sources.samples(request.source)
        let response = try await work.run {
            let data = try SampleRows.labelledSet(
                samples, encoding: schema.encoding, attributeNames: schema.attributeNames, requireLabels: false)
            return try definer.define(data, schema: schema, parameters: parameters)
        }
        logger.debug(
            "tasks defined", metadata: ["taskmining.samples": "\(samples.samples.count)", "taskmining.tasks": "\(response.tasks.count)"])
        return response
    }

    public func discoverRelations(
        request: Lifelong_V1_DiscoverRelationsRequest, context: ServerContext
    ) async throws -> Lifelong_V1_DiscoverRelationsResponse {
        let schema = try MiningSchema(request.schema)
        let plan = try TaskPlan(schema: schema, tasks: request.tasks, allocator: request.allocator)
        let samples = try await sources.samples(request.source)
        let discoverer = RelationDiscoverer(configuration: configuration)
        let response = try await work.run {
            let data = try SampleRows.labelledSet(
                samples, encoding: schema.encoding, attributeNames: schema.attributeNames, requireLabels: true)
            return try discoverer.discover(data, plan: plan)
        }
        logger.debug(
            "relations discovered",
            metadata: ["taskmining.samples": "\(samples.samples.count)", "taskmining.relations": "\(response.relations.count)"])
        return response
    }

    public func buildDetectors(
        request: Lifelong_V1_BuildDetectorsRequest, context: ServerContext
    ) async throws -> Lifelong_V1_BuildDetectorsResponse {
        let schema = try MiningSchema(request.schema)
        try DetectorBuilder.checkTarget(request.targetFalsePositiveRate)
        let plan = try TaskPlan(schema: schema, tasks: request.tasks, allocator: request.allocator)
        let samples = try await sources.samples(request.source)
        let target = request.targetFalsePositiveRate
        let response = try await work.run {
            let data = try SampleRows.labelledSet(
                samples, encoding: schema.encoding, attributeNames: schema.attributeNames, requireLabels: false)
            return try DetectorBuilder().build(data, plan: plan, targetFalsePositiveRate: target)
        }
        logger.debug("detectors built", metadata: ["taskmining.samples": "\(samples.samples.count)"])
        return response
    }

    public func allocateSamples(
        request: Lifelong_V1_AllocateSamplesRequest, context: ServerContext
    ) async throws -> Lifelong_V1_AllocateSamplesResponse {
        guard request.samples.count <= configuration.limits.maximumSamples else {
            throw TaskMiningError(
                .resourceExhausted, "samples: \(request.samples.count) samples; the limit is \(configuration.limits.maximumSamples)")
        }
        return try await work.run { try SampleAllocator.allocate(request) }
    }
}
