import ArgumentParser
import Foundation
import LifelongCore
import LifelongLearning

/// `lifelong experiment`: replays rounds through the lifelong pipeline and the baselines.
struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Replay labelled rounds through lifelong learning, a global model and isolated per-task models.",
        discussion: """
            Row 0 of each accuracy matrix is the model trained on --initial (or untrained: it answers the \
            first class); row i is the model after round i; column j is round j's test set. BWT and FWT follow \
            the Ianvs definitions; average accuracy is the final model on all test sets pooled; task average \
            accuracy the mean of its per-task accuracies.
            """)

    @Option(help: "Labelled rows learned before round 1.")
    var initial: String?
    @Option(name: .customLong("round"), help: "A round's labelled training rows (repeat, in order).")
    var roundFiles: [String] = []
    @Option(name: .customLong("test"), help: "The matching round's test rows (repeat, in order).")
    var testFiles: [String] = []
    @Option(help: "The label column.")
    var label: String = "label"
    @Option(help: "Comma-separated task-attribute columns (tasks = their value combinations).")
    var attributes: String?
    @Flag(help: "Define tasks by k-means++ clustering instead of attributes.")
    var clusters = false
    @Option(help: "Smallest k tried with --clusters.")
    var minClusters: Int = 2
    @Option(help: "Largest k tried with --clusters.")
    var maxClusters: Int = 8
    @Flag(help: "Print JSON instead of tables.")
    var json = false
    @OptionGroup var model: ModelOptions

    func validate() throws {
        guard !roundFiles.isEmpty else { throw ValidationError("give at least one --round TRAIN.csv --test TEST.csv") }
        guard roundFiles.count == testFiles.count else {
            throw ValidationError("every --round needs a --test (got \(roundFiles.count) rounds, \(testFiles.count) tests)")
        }
        guard clusters != (attributes != nil) else {
            throw ValidationError("give either --attributes a,b or --clusters")
        }
        guard minClusters >= 1, maxClusters >= minClusters else {
            throw ValidationError("--min-clusters must be >= 1 and <= --max-clusters")
        }
    }

    func run() throws {
        let attributeNames = attributes?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? []
        let definition: TaskDefinition = clusters ? .clusters(kRange: minClusters...maxClusters) : .attributes
        let configuration = try model.configuration(definition: definition)
        let files = [initial].compactMap { $0 } + zip(roundFiles, testFiles).flatMap { [$0, $1] }
        let sets = try ExperimentData.read(files: files, label: label, attributes: attributeNames)
        var offset = 0
        var initialSet: LabelledSet?
        if initial != nil {
            initialSet = sets[0]
            offset = 1
        }
        let rounds = stride(from: offset, to: sets.count, by: 2).map {
            LifelongExperiment.Round(train: sets[$0], test: sets[$0 + 1])
        }
        let result = try LifelongExperiment(configuration: configuration).run(initial: initialSet, rounds: rounds)
        print(json ? ExperimentReport.json(result) : ExperimentReport.text(result))
    }
}
