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
            Accuracy matrix: row 0 is the model trained on --initial (or untrained: it answers the first \
            class); row i is the model after round i; column j is round j's test set.

            Metrics (R rounds, M[i][j] as above, b_j = M[0][j]):
              BWT (GEM)   = 1/(R-1) * sum over j<R of (M[R][j] - M[j][j]): change on each earlier round's \
            test set from right after it was learned to the end (negative = forgetting).
              FWT (GEM)   = 1/(R-1) * sum over j>=2 of (M[j-1][j] - b_j): accuracy on a round's test set \
            before its data is learned, against row 0.
              forgetting  = 1/(R-1) * sum over j<R of (max over j<=l<R of M[l][j] - M[R][j]) (Chaudhry et al.).
              With one round they are not defined (n/a in text, null in JSON). Ianvs's BWT and FWT are \
            printed under their own names (ianvs_bwt, ianvs_fwt). Average accuracy is the final model on all \
            test sets pooled; task average accuracy the mean of its per-task accuracies.

            Data rules: every file is read with one schema. The columns are the first file's (without the \
            label and --ignore'd columns); every file must have the same ones. A column is numeric only if \
            every non-empty value in every file is a number, otherwise categorical over the values of all \
            files. Rows whose label is empty (or NA, N/A, NaN, null, ?) are skipped and counted. An empty \
            attribute value is a task value of its own, "(empty)". Attribute columns leave the features \
            unless --attributes-as-features.
            """)

    @Option(help: "Labelled rows learned before round 1.")
    var initial: String?
    @Option(name: .customLong("round"), help: "A round's labelled training rows (repeat, in order).")
    var roundFiles: [String] = []
    @Option(name: .customLong("test"), help: "The matching round's test rows (repeat, in order).")
    var testFiles: [String] = []
    @Option(help: "The label column.")
    var label: String = "label"
    @Option(help: "Comma-separated task-attribute columns (tasks = their value combinations; an empty value is \"(empty)\").")
    var attributes: String?
    @Flag(help: "Keep the attribute columns as (categorical) model features too.")
    var attributesAsFeatures = false
    @Option(help: "Comma-separated columns to drop from every file.")
    var ignore: String?
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
        guard !attributesAsFeatures || attributes != nil else {
            throw ValidationError("--attributes-as-features needs --attributes")
        }
        guard minClusters >= 1, maxClusters >= minClusters else {
            throw ValidationError("--min-clusters must be >= 1 and <= --max-clusters")
        }
    }

    func run() throws {
        var options = ExperimentFiles.Options()
        options.label = label
        options.attributes = Self.list(attributes)
        options.ignoredColumns = Self.list(ignore)
        options.attributesAsFeatures = attributesAsFeatures
        let definition: TaskDefinition = clusters ? .clusters(kRange: minClusters...maxClusters) : .attributes
        let configuration = try model.configuration(definition: definition)
        let paths = [initial].compactMap { $0 } + zip(roundFiles, testFiles).flatMap { [$0, $1] }
        let files: ExperimentFiles
        do {
            files = try ExperimentFiles(reading: paths.map { URL(fileURLWithPath: $0) }, options: options)
        } catch {
            throw ValidationError("\(error)")
        }
        let sets = files.files.map(\.set)
        let offset = initial == nil ? 0 : 1
        let rounds = stride(from: offset, to: sets.count, by: 2).map {
            LifelongExperiment.Round(train: sets[$0], test: sets[$0 + 1])
        }
        let result = try LifelongExperiment(configuration: configuration).run(
            initial: initial == nil ? nil : sets[0], rounds: rounds)
        let report = ExperimentReport(result: result, files: files, hasInitial: initial != nil, configuration: configuration)
        print(json ? report.json() : report.text())
    }

    /// The trimmed, non-empty items of a comma-separated option.
    static func list(_ option: String?) -> [String] {
        (option ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
