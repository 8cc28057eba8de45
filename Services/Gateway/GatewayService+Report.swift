import LifelongCore
public import LifelongProto
public import RPCCore

/// The lifelong-learning report of a job.
extension GatewayService {
    public func getReport(request: Lifelong_V1_GetJobRequest, context: ServerContext) async throws -> Lifelong_V1_Report {
        let job = try await store.job(try Self.jobID(request.jobId))
        var report = Lifelong_V1_Report()
        report.jobId = job.id
        report.snapshotVersion = job.deployedVersion
        report.createdAtUs = JobStore.nowUs()
        let fleet = try await store.edges(job: job.id)
        report.samplesInferred = fleet.reduce(0) { $0 + $1.samplesInferred }
        report.samplesUploaded = fleet.reduce(0) { $0 + $1.samplesUploaded }
        report.samplesTransferRatio = report.samplesInferred > 0 ? Double(report.samplesUploaded) / Double(report.samplesInferred) : 0
        if let method = try await ReportMatrix(job: job, store: store, kb: kb, training: training).method() {
            report.methods = [method]
        }
        return report
    }
}

/// The accuracy matrix of a job, GEM style: column c is the test set of the c-th round (the
/// EVAL samples that arrived for it), row 0 the untrained model (it answers the first class),
/// row i the snapshot deployed after the i-th round; each entry is scored by the training
/// service's Evaluate. Rounds whose data brought no EVAL samples have no test set and are left
/// out (their models show in the later rows).
struct ReportMatrix {
    let job: Lifelong_V1_Job
    let store: JobStore
    let kb: Lifelong_V1_KnowledgeBase.Client
    let training: Lifelong_V1_Training.Client

    func method() async throws -> Lifelong_V1_MethodReport? {
        let rounds = try await store.rounds(job.id)
        let testRounds = try await store.evalRounds(job.id)
        var query = Lifelong_V1_ListSamplesRequest()
        query.jobId = job.id
        query.kinds = [.eval]
        query.labelState = .labelled
        let samples = try await kb.listSamples(query) { batches in
            var samples: [Lifelong_V1_Sample] = []
            for try await batch in batches.messages { samples += batch.samples }
            return samples
        }
        let testSets = Dictionary(grouping: samples.filter { testRounds[$0.key] != nil }) { testRounds[$0.key]! }
        let kept = rounds.filter { !(testSets[$0.round] ?? []).isEmpty }
        guard !kept.isEmpty else { return nil }
        let columns = kept.map { testSets[$0.round]! }
        var values: [[Double]] = [columns.map(Self.firstClassAccuracy)]
        for round in kept {
            var row: [Double] = []
            for column in columns { row.append(Self.overall(try await evaluate(version: round.version, on: column))) }
            values.append(row)
        }
        let matrix = try AccuracyMatrix(values)
        var method = Lifelong_V1_MethodReport()
        method.method = "lifelong"
        var message = Lifelong_V1_AccuracyMatrix()
        message.rows = values.map { row in
            var message = Lifelong_V1_AccuracyRow()
            message.accuracy = row
            return message
        }
        message.testSets = kept.map { "round-\($0.round)" }
        method.matrix = message
        method.rowVersions = [0] + kept.map(\.version)
        method.bwt = matrix.backwardTransfer
        method.fwt = matrix.forwardTransfer
        method.forgetting = matrix.forgetting
        let final = try await evaluate(version: kept.last!.version, on: columns.flatMap { $0 })
        method.tasks = final.tasks
        method.taskAverageAccuracy = final.tasks.isEmpty ? 0 : final.tasks.map(\.accuracy).reduce(0, +) / Double(final.tasks.count)
        method.averageAccuracy = Self.overall(final)
        return method
    }

    private func evaluate(version: Int64, on samples: [Lifelong_V1_Sample]) async throws -> Lifelong_V1_EvaluateResponse {
        var request = Lifelong_V1_EvaluateRequest()
        request.jobId = job.id
        request.version = version
        request.samples = samples
        return try await training.evaluate(request)
    }

    /// Accuracy over every sample scored (the per-task accuracies weighted by their counts).
    static func overall(_ response: Lifelong_V1_EvaluateResponse) -> Double {
        let count = response.tasks.reduce(0) { $0 + $1.sampleCount }
        guard count > 0 else { return 0 }
        return response.tasks.reduce(0) { $0 + $1.accuracy * Double($1.sampleCount) } / Double(count)
    }

    /// The untrained model's accuracy: it answers the first class.
    static func firstClassAccuracy(_ samples: [Lifelong_V1_Sample]) -> Double {
        Double(samples.filter { $0.label?.classIndex == 0 }.count) / Double(max(1, samples.count))
    }
}
