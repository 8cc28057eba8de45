import ArgumentParser
import Foundation
import LifelongClient
import LifelongCore
import LifelongLearning
import SampleFiles

/// `lifelong job create`: a job whose schema is inferred from a labelled CSV file.
struct JobCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a lifelong-learning job; its feature schema is inferred from a labelled CSV file.",
        discussion: """
            Schema: every column of --data except the label, the attributes and `key` is a feature, numeric \
            when every non-empty value is a number, otherwise categorical (categories sorted); the classes are \
            the label's values, sorted. The file itself is not ingested: run `lifelong ingest` next.

            Trigger: training starts when --min-samples new labelled samples are waiting, or every --period \
            seconds when any are, checked every --check-every seconds, inside --window if given (it may wrap \
            midnight). Without --min-samples and --period, rounds start only with `lifelong job trigger`.
            """)

    @OptionGroup var connection: GatewayOptions

    @Option(help: "Job name (unique).")
    var name: String
    @Option(help: ArgumentHelp("Labelled CSV the schema is inferred from.", valueName: "FILE.csv"))
    var data: String
    @Option(help: "The label column.")
    var label: String
    @Option(help: ArgumentHelp("Comma-separated attribute columns that define tasks.", valueName: "a,b"))
    var attributes: String?
    @Flag(help: "Define tasks by k-means++ clustering instead of attributes.")
    var clustering = false
    @Option(help: "Smallest cluster count tried with --clustering.")
    var minClusters: Int32 = 2
    @Option(help: "Largest cluster count tried with --clustering.")
    var maxClusters: Int32 = 8
    @Option(help: "Share of new labelled samples used for training; the rest is eval data.")
    var trainFraction: Double = 0.8
    @Option(help: "Train when this many new labelled samples are waiting.")
    var minSamples: Int?
    @Option(help: "Train every this many seconds when new labelled samples are waiting.")
    var period: Int64?
    @Option(help: "Seconds between trigger checks.")
    var checkEvery: Int64 = 10
    @Option(help: ArgumentHelp("Daily window in which training may start (may wrap midnight).", valueName: "HH:MM-HH:MM"))
    var window: String?
    @Option(help: "Deployment gate: minimum eval accuracy of a task model.")
    var minAccuracy: Double = 0
    @Option(help: "Deployment gate: a replacing model must beat the deployed one by this much.")
    var minImprovement: Double = 0
    @Option(help: "Tasks with fewer samples get no model of their own.")
    var minTaskSamples: Int32 = Int32(LifelongConfiguration().minTaskSize)
    @Option(help: "Target false-positive rate of the unseen-task detectors.")
    var detectorFpr: Double = LifelongConfiguration().targetFalsePositiveRate
    @Option(
        help: """
            Boosting rounds of the shared prior, which then also takes --max-depth and --learning-rate; \
            without it the prior's model class, depth, rate and rounds are chosen by inner validation \
            every round, as `lifelong experiment` and the benchmarks do.
            """)
    var rounds: Int32?
    @Option(help: "Maximum tree depth (of the task corrections; of the prior too with --rounds).")
    var maxDepth: Int32 = Int32(LifelongConfiguration.defaultModelParameters.maxDepth)
    @Option(help: "Learning rate, eta (of the task corrections; of the prior too with --rounds).")
    var learningRate: Double = Double(LifelongConfiguration.defaultModelParameters.learningRate)
    @Option(help: "Row subsample per boosting round, in (0, 1].")
    var subsample: Double = Double(LifelongConfiguration.defaultModelParameters.rowSubsample)
    @Option(help: "Seed of splits and sampling.")
    var seed: Int64 = 0
    @Option(help: "What edges may upload: deny, unseen-only or all.")
    var egress: String = "unseen-only"
    @Option(name: .customLong("edge"), help: ArgumentHelp("An edge node allowed to serve the job (repeat; none = any).", valueName: "NODE"))
    var edges: [String] = []
    @Flag(help: "Print the spec that would be sent, as text, and do not create the job.")
    var dryRun = false

    func validate() throws {
        guard clustering != (attributes != nil) else { throw ValidationError("give either --attributes a,b or --clustering") }
        guard trainFraction > 0, trainFraction <= 1 else { throw ValidationError("--train-fraction must be in (0, 1]") }
        guard minClusters >= 1, maxClusters >= minClusters else { throw ValidationError("--min-clusters must be >= 1 and <= --max-clusters") }
        guard (rounds ?? 1) > 0, maxDepth > 0, learningRate > 0, subsample > 0, subsample <= 1 else {
            throw ValidationError("--rounds, --max-depth and --learning-rate must be > 0; --subsample in (0, 1]")
        }
        guard checkEvery > 0 else { throw ValidationError("--check-every must be > 0") }
        if let minSamples, minSamples <= 0 { throw ValidationError("--min-samples must be > 0") }
        if let period, period <= 0 { throw ValidationError("--period must be > 0") }
        _ = try Self.egressMode(egress)
        if let window { _ = try Self.window(window) }
    }

    static func egressMode(_ text: String) throws -> Lifelong_V1_EgressMode {
        switch text {
        case "deny": return .deny
        case "unseen-only": return .unseenOnly
        case "all": return .all
        default: throw ValidationError("--egress must be deny, unseen-only or all, got '\(text)'")
        }
    }

    /// `HH:MM-HH:MM` as its two ends.
    static func window(_ text: String) throws -> (start: String, end: String) {
        let ends = text.split(separator: "-").map(String.init)
        func valid(_ time: String) -> Bool {
            let parts = time.split(separator: ":")
            guard parts.count == 2, parts.allSatisfy({ $0.count == 2 }), let hours = Int(parts[0]), let minutes = Int(parts[1]) else { return false }
            return (0..<24).contains(hours) && (0..<60).contains(minutes)
        }
        guard ends.count == 2, ends.allSatisfy(valid) else { throw ValidationError("--window must be HH:MM-HH:MM, got '\(text)'") }
        return (ends[0], ends[1])
    }

    /// The spec sent, with the schema inferred from the file.
    func spec() throws -> Lifelong_V1_JobSpec {
        let file = try SampleFile(contentsOf: URL(fileURLWithPath: data))
        let attributeNames = ExperimentCommand.list(attributes)
        var spec = Lifelong_V1_JobSpec()
        spec.name = name
        spec.schema = try file.inferSchema(label: label, attributes: attributeNames)
        spec.taskDefinition = clustering ? .clustering : .attributes
        spec.minClusters = minClusters
        spec.maxClusters = maxClusters
        spec.trainFraction = trainFraction
        var trigger = Lifelong_V1_TrainTrigger()
        trigger.checkPeriodSeconds = checkEvery
        if let minSamples {
            trigger.metric = "num_of_samples"
            trigger.comparison = .ge
            trigger.threshold = Double(minSamples)
        }
        trigger.periodSeconds = period ?? 0
        if let window {
            (trigger.windowStart, trigger.windowEnd) = try Self.window(window)
        }
        spec.trigger = trigger
        var parameters = Lifelong_V1_TrainingParameters()
        // 0: the training service tunes the prior (RunRequest.configuration).
        parameters.rounds = rounds ?? 0
        parameters.maxDepth = maxDepth
        parameters.learningRate = learningRate
        parameters.subsample = subsample
        parameters.colsample = 1
        parameters.minChildWeight = Double(LifelongConfiguration.defaultModelParameters.minChildWeight)
        parameters.lambda = Double(LifelongConfiguration.defaultModelParameters.l2Lambda)
        parameters.seed = seed
        spec.parameters = parameters
        spec.minTaskSamples = minTaskSamples
        spec.minAccuracy = minAccuracy
        spec.minImprovement = minImprovement
        spec.detectorFalsePositiveRate = detectorFpr
        var policy = Lifelong_V1_EgressPolicy()
        policy.mode = try Self.egressMode(egress)
        spec.egress = policy
        spec.edgeNodes = edges
        return spec
    }

    func run() async throws {
        try await CLIFailure.reporting {
            let spec = try spec()
            if dryRun {
                var preview = Lifelong_V1_Job()
                preview.spec = spec
                Terminal.line(JobDescription.text(preview))
                return
            }
            let job = try await connection.connection().call { client in
                try await Lifelong_V1_Gateway.Client(wrapping: client).createJob(spec)
            }
            Terminal.line("created job \(job.id)")
            Terminal.line(JobDescription.text(job))
            Terminal.line("next: lifelong ingest --job \(job.id) \(data)")
        }
    }
}
