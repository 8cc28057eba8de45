public import LifelongLearning

/// The served form of a `TaskIndex`: everything a prediction reads, laid out once so that one
/// sample is predicted without allocating — allocation (attribute lookup or nearest centroid),
/// the task's model (or the blend of related models), and the unseen-task detectors.
///
/// It keeps only the prediction form of each model (`TrainedModel.predictionModel`), so a
/// process that serves and drops the `TaskIndex` it was built from keeps a fraction of the
/// memory. Answers are those `TaskIndex.predict(features:attributes:)` documents (that method
/// builds a predictor and asks it).
public final class TaskIndexPredictor: Sendable {
    /// The answer for one sample; the class probabilities go to the caller's buffer.
    public struct Prediction: Sendable, Hashable {
        /// The task the sample was allocated to, as a position in `taskNames`; nil when its
        /// attributes are unknown.
        public var task: Int?
        /// The most probable class.
        public var predictedClass: Int
        /// Whether the answer blends several models (a task without a model of its own, or an
        /// unknown task).
        public var blended: Bool
        /// The detectors that flagged the sample as belonging to no known task.
        public var flagged: DetectorSet
        /// Attribute detector score: 1 for an unknown combination, else 0; nil for cluster tasks.
        public var attributesScore: Double?
        /// Distribution detector score: distance to the nearest task ÷ that task's threshold
        /// (+∞ without task statistics).
        public var distributionScore: Double
        /// Confidence detector score: 1 − the highest class probability.
        public var confidenceScore: Double

        /// Whether any enabled detector flagged the sample.
        public var unseen: Bool { !flagged.isEmpty }
    }

    /// A set of detector kinds, without allocation.
    public struct DetectorSet: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        /// Creates a set from its bits.
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// The set holding one kind.
        public init(_ kind: UnseenTaskDetector.Kind) {
            switch kind {
            case .attributes: rawValue = 1
            case .confidence: rawValue = 2
            case .distribution: rawValue = 4
            }
        }
        /// The kinds in the set, in `UnseenTaskDetector.Kind.allCases` order.
        public var kinds: [UnseenTaskDetector.Kind] { UnseenTaskDetector.Kind.allCases.filter { contains(Self($0)) } }
    }

    /// The model input columns and the label.
    public let encoding: FeatureEncoding
    /// The attribute columns, in the order `predict` takes their values.
    public let attributeNames: [String]
    /// Task names; `Prediction.task` is a position in this array.
    public let taskNames: [String]
    /// Probabilities per sample (the class count, at least 1).
    public let outputCount: Int
    /// Digests of the models the index references.
    public let modelDigests: Set<String>

    private let allocatorKind: TaskAllocator.Kind
    private let routes: [[String]: Int]
    private let featureCount: Int
    /// Standardizer of cluster allocation: mean and clamped stddev per feature.
    private let standardMean: [Double], standardScale: [Double]
    /// Centroid c's coordinates at `c * featureCount`, its task at `centroidTasks[c]`.
    private let centroids: [Double], centroidTasks: [Int]
    /// Tasks with statistics, in task order: position, statistics and distance threshold.
    private let distanceTasks: [Int], taskStatistics: [FeatureStatistics], taskThreshold: [Double]
    /// For the screening pass of `nearestTasks`, feature-major in blocks of four tasks: feature
    /// f's mean and 1 ÷ scale for tasks 4b..<4b+4 at `f * screeningBlocks + b` (tasks past the
    /// last are padded with zeros and never read back), and 1 ÷ `taskThreshold` per block.
    private let screeningMean: [SIMD4<Double>], screeningInverseScale: [SIMD4<Double>]
    private let screeningInverseThreshold: [SIMD4<Double>]
    /// Blocks of four tasks in the screening arrays.
    private let screeningBlocks: Int
    /// Per task: whether it has an assignment, its own model (position in `models`) or -1,
    /// and its fallbacks (model position, weight).
    private let hasAssignment: [Bool], ownModel: [Int], fallbacks: [[(model: Int, weight: Double)]]
    private let globalModel: Int?
    private let models: [any TabularModel]
    private let modelNames: [String]
    private let attributesDetector: UnseenTaskDetector?, confidenceDetector: UnseenTaskDetector?
    private let distributionDetector: UnseenTaskDetector?

    /// How many nearest tasks the similarity fallback blends.
    static let similarityFallbackCount = 3

    /// Lays out an index for serving.
    /// - Throws: `LifelongError.corruptIndex` when a model's output count is not the index's
    ///   class count; the index's own `validate()` errors.
    public init(_ index: TaskIndex) throws {
        try index.validate()
        encoding = index.encoding
        attributeNames = index.attributeNames
        taskNames = index.tasks.map(\.name)
        outputCount = max(index.encoding.classCount, 1)
        modelDigests = Set(index.models.keys)
        let taskPosition = Dictionary(taskNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })

        let allocator = index.allocator
        allocatorKind = allocator.kind
        featureCount = allocator.featureCount
        routes = Dictionary(
            allocator.routes.compactMap { route in taskPosition[route.task].map { (route.values, $0) } },
            uniquingKeysWith: { first, _ in first })
        standardMean = allocator.standardizer.mean
        standardScale = allocator.standardizer.stddev.map { Swift.max($0, FeatureStatistics.minimumStddev) }
        centroids = allocator.centroids.flatMap(\.coordinates)
        centroidTasks = allocator.centroids.map { taskPosition[$0.task]! }
        guard allocator.centroids.allSatisfy({ $0.coordinates.count == allocator.featureCount }) else {
            throw LifelongError(.corruptIndex, "a centroid's width is not the schema's", field: "allocator.centroids")
        }

        let measured = index.tasks.enumerated().filter { $0.element.statistics.count > 0 }
        distanceTasks = measured.map(\.offset)
        taskStatistics = measured.map(\.element.statistics)
        let taskMean = measured.flatMap(\.element.statistics.mean)
        let taskScale = measured.flatMap { $0.element.statistics.stddev.map { Swift.max($0, FeatureStatistics.minimumStddev) } }
        let thresholds = measured.map { Swift.max($0.element.distanceThreshold, 1e-9) }
        taskThreshold = thresholds
        let blocks = (measured.count + 3) / 4, width = allocator.featureCount
        /// Per-task values (`perTask(k)`) laid out as blocks of four tasks.
        func block(_ b: Int, _ perTask: (Int) -> Double) -> SIMD4<Double> {
            SIMD4<Double>((0..<4).map { i in b * 4 + i < measured.count ? perTask(b * 4 + i) : 0 })
        }
        screeningBlocks = blocks
        screeningMean = (0..<width).flatMap { f in (0..<blocks).map { block($0) { taskMean[$0 * width + f] } } }
        screeningInverseScale = (0..<width).flatMap { f in (0..<blocks).map { block($0) { 1 / taskScale[$0 * width + f] } } }
        screeningInverseThreshold = (0..<blocks).map { block($0) { 1 / thresholds[$0] } }

        var models: [any TabularModel] = [], modelNames: [String] = [], modelPosition: [String: Int] = [:]
        for (digest, stored) in index.models.sorted(by: { $0.key < $1.key }) {
            let model = stored.model.predictionModel
            guard model.outputCount == outputCount else {
                throw LifelongError(
                    .corruptIndex, "model \(digest) writes \(model.outputCount) outputs, the index has \(outputCount) classes",
                    field: "models")
            }
            modelPosition[digest] = models.count
            models.append(model)
            modelNames.append(digest)
        }
        self.models = models
        self.modelNames = modelNames
        let assignments = Dictionary(index.assignments.map { ($0.task, $0) }, uniquingKeysWith: { first, _ in first })
        hasAssignment = taskNames.map { assignments[$0] != nil }
        ownModel = taskNames.map { name in assignments[name]?.model.flatMap { modelPosition[$0] } ?? -1 }
        fallbacks = taskNames.map { name in
            (assignments[name]?.fallbacks ?? []).compactMap { reference in
                modelPosition[reference.digest].map { (model: $0, weight: reference.weight) }
            }
        }
        globalModel = index.globalModel.flatMap { modelPosition[$0] }
        attributesDetector = index.detector(.attributes)
        confidenceDetector = index.detector(.confidence)
        distributionDetector = index.detector(.distribution)
    }

    /// Predicts one sample without allocating (unless it throws).
    ///
    /// - A known task with a model of its own is answered by that model alone, whatever the
    ///   detectors say, so its answer does not change while only other tasks are learned.
    /// - A task without a model of its own is answered by its fallbacks and the global model.
    /// - An unknown attribute combination is answered by the global model (weight 1) blended
    ///   with the models of the nearest tasks by data distance (weights exp(−distance/2)).
    /// - Parameters:
    ///   - features: `encoding.featureCount` values (NaN = missing).
    ///   - attributes: Values in `attributeNames` order (ignored for cluster tasks).
    ///   - probabilities: `outputCount` values to overwrite with the class probabilities.
    /// - Throws: `LifelongError.featureCountMismatch` for a wrong feature, attribute or output
    ///   count; `.missingModel` when there is no model to answer with; `.learning` for values
    ///   a model refuses.
    public func predict(
        features: UnsafeBufferPointer<Float>, attributes: [String], probabilities: UnsafeMutableBufferPointer<Float>
    ) throws -> Prediction {
        try checkShapes(features: features.count, attributes: attributes.count, outputs: probabilities.count)
        let task = allocate(features, attributes: attributes)
        let (distribution, nearest) = nearestTasks(features)
        var prediction = Prediction(
            task: task, predictedClass: 0, blended: false, flagged: [],
            attributesScore: allocatorKind == .attributes ? (task == nil ? 1 : 0) : nil,
            distributionScore: distribution, confidenceScore: 0)

        if let task, hasAssignment[task], ownModel[task] >= 0 {
            try predict(model: ownModel[task], features, into: probabilities)
        } else {
            probabilities.initialize(repeating: 0)
            var total = 0.0, components = 0
            try withUnsafeTemporaryAllocation(of: Float.self, capacity: outputCount) { component in
                func add(_ model: Int, weight: Double) throws {
                    components += 1
                    guard weight > 0 else { return }
                    try predict(model: model, features, into: component)
                    for k in 0..<outputCount { probabilities[k] += Float(weight) * component[k] }
                    total += weight
                }
                if let task, hasAssignment[task] {
                    for fallback in fallbacks[task] { try add(fallback.model, weight: fallback.weight) }
                    if let globalModel { try add(globalModel, weight: 1) }
                    prediction.blended = true
                } else {
                    if let globalModel { try add(globalModel, weight: 1) }
                    for rank in 0..<nearest.count {
                        let (neighbour, distance) = nearest[rank]
                        if hasAssignment[neighbour], ownModel[neighbour] >= 0 {
                            try add(ownModel[neighbour], weight: Glibc.exp(-distance / 2))
                        }
                    }
                    prediction.blended = components > 1
                }
            }
            guard components > 0 else {
                throw LifelongError(.missingModel, "the index has no model to answer this sample with", field: "models")
            }
            if total > 0 {
                for k in 0..<outputCount { probabilities[k] = probabilities[k] / Float(total) }
            }
        }
        var best = 0, highest = probabilities[0]
        for k in 1..<outputCount where probabilities[k] > highest { best = k; highest = probabilities[k] }
        prediction.predictedClass = best
        prediction.confidenceScore = 1 - Double(highest)
        prediction.flagged = flags(prediction)
        return prediction
    }

    /// Predicts one sample into new arrays, as `TaskIndex.predict(features:attributes:)` answers.
    /// - Throws: As `predict(features:attributes:probabilities:)`.
    public func predict(features: [Float], attributes: [String] = []) throws -> TaskPrediction {
        var probabilities = [Float](repeating: 0, count: outputCount)
        let prediction = try features.withUnsafeBufferPointer { row in
            try probabilities.withUnsafeMutableBufferPointer { try predict(features: row, attributes: attributes, probabilities: $0) }
        }
        var scores: [UnseenTaskDetector.Kind: Double] = [.distribution: prediction.distributionScore, .confidence: prediction.confidenceScore]
        scores[.attributes] = prediction.attributesScore
        return TaskPrediction(
            probabilities: probabilities, predictedClass: prediction.predictedClass, task: prediction.task.map { taskNames[$0] },
            unseen: prediction.unseen, flaggedBy: prediction.flagged.kinds, scores: scores, blended: prediction.blended)
    }

    private func checkShapes(features: Int, attributes: Int, outputs: Int) throws {
        guard features == featureCount else {
            throw LifelongError(
                .featureCountMismatch, "the index takes \(featureCount) features per sample, got \(features)", field: "features")
        }
        guard allocatorKind == .clusters || attributes == attributeNames.count else {
            throw LifelongError(
                .featureCountMismatch,
                "the index takes \(attributeNames.count) attribute values (\(attributeNames.joined(separator: ", "))), got \(attributes)",
                field: "attributes")
        }
        guard outputs == outputCount else {
            throw LifelongError(
                .featureCountMismatch, "the output buffer has \(outputs) values, the index writes \(outputCount)",
                field: "probabilities")
        }
    }

    /// The task of a sample: its attribute route, or the nearest centroid in standardized space.
    private func allocate(_ features: UnsafeBufferPointer<Float>, attributes: [String]) -> Int? {
        switch allocatorKind {
        case .attributes:
            return routes[attributes]
        case .clusters:
            guard !centroidTasks.isEmpty else { return nil }
            var best = 0, bestDistance = Double.infinity
            for c in 0..<centroidTasks.count {
                var total = 0.0
                for f in 0..<featureCount {
                    let value = Double(features[f])
                    let standardized = value.isNaN ? 0 : (value - standardMean[f]) / standardScale[f]
                    let d = standardized - centroids[c * featureCount + f]
                    total += d * d
                }
                if total < bestDistance { best = c; bestDistance = total }
            }
            return centroidTasks[best]
        }
    }

    /// The distance to the nearest task (+∞ without any) and the `similarityFallbackCount`
    /// nearest tasks, nearest first (ties: task order) — exactly as `TaskIndex.nearestTasks`
    /// computes them (mean squared z-score ÷ the task's threshold, divisions and all).
    ///
    /// Dividing for every task is most of the cost, so a first pass screens the tasks, four at
    /// a time in SIMD lanes, with multiplications by reciprocals, which differ from the exact
    /// distances by a few units in the last place (relative error far below
    /// `screeningMargin`); only the tasks whose screened distance could be among the nearest
    /// are then computed exactly. The answer is the exact one: a task left out is farther than
    /// the third nearest by more than any rounding difference.
    private func nearestTasks(_ features: UnsafeBufferPointer<Float>) -> (Double, Nearest) {
        let count = distanceTasks.count
        guard count > 0 else { return (.infinity, Nearest()) }
        let blocks = screeningBlocks
        return withUnsafeTemporaryAllocation(of: SIMD4<Double>.self, capacity: blocks) { screened in
            // Four tasks at a time, one present feature after another (the order the exact
            // distance sums them in): the squared z-scores.
            screened.initialize(repeating: .zero)
            var present = 0
            screeningMean.withUnsafeBufferPointer { mean in
                screeningInverseScale.withUnsafeBufferPointer { inverseScale in
                    for f in 0..<featureCount where !features[f].isNaN {
                        present += 1
                        let value = SIMD4<Double>(repeating: Double(features[f]))
                        let base = f &* blocks
                        for b in 0..<blocks {
                            let z = (value - mean[base &+ b]) * inverseScale[base &+ b]
                            screened[b] += z * z
                        }
                    }
                }
            }
            // Most blocks hold no task nearer than the third nearest so far: one comparison each.
            let inverseCount = SIMD4<Double>(repeating: present > 0 ? 1 / Double(present) : 0)
            var screen = Nearest()
            for b in 0..<blocks {
                let distances = screened[b] * inverseCount * screeningInverseThreshold[b]
                screened[b] = distances
                guard !screen.isFull || any(distances .< SIMD4(repeating: screen.farthestKept)) else { continue }
                for i in 0..<Swift.min(4, count &- b &* 4) { screen.insert(task: b &* 4 &+ i, distance: distances[i]) }
            }
            let cutoff = SIMD4(repeating: screen.farthestKept * (1 + Self.screeningMargin))
            var nearest = Nearest()
            for b in 0..<blocks where any(screened[b] .<= cutoff) {
                for i in 0..<Swift.min(4, count &- b &* 4) where screened[b][i] <= cutoff[i] {
                    let k = b &* 4 &+ i
                    nearest.insert(task: distanceTasks[k], distance: exactDistance(features, task: k))
                }
            }
            return (nearest[0].distance, nearest)
        }
    }

    /// Relative margin of the screening pass: far above the few ulps by which a screened
    /// distance can differ from the exact one.
    static let screeningMargin = 1e-9

    /// Task `k`'s distance as `TaskIndex.nearestTasks` computes it.
    private func exactDistance(_ features: UnsafeBufferPointer<Float>, task k: Int) -> Double {
        taskStatistics[k].meanSquaredZ(features) / taskThreshold[k]
    }

    private func predict(model: Int, _ features: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) throws {
        do {
            try models[model].predict(row: features, into: output)
        } catch let error as LifelongError {
            throw error
        } catch {
            // The message is built only on failure: the path that succeeds allocates nothing.
            throw LifelongError(.learning, "predicting with model \(modelNames[model].prefix(12)): \(error)", cause: error)
        }
    }

    private func flags(_ prediction: Prediction) -> DetectorSet {
        var flagged: DetectorSet = []
        if let score = prediction.attributesScore, attributesDetector?.flags(score) == true { flagged.insert(.init(.attributes)) }
        if confidenceDetector?.flags(prediction.confidenceScore) == true { flagged.insert(.init(.confidence)) }
        if distributionDetector?.flags(prediction.distributionScore) == true { flagged.insert(.init(.distribution)) }
        return flagged
    }

    /// The few nearest tasks, kept sorted in fixed storage.
    struct Nearest {
        private var tasks: (Int, Int, Int) = (0, 0, 0)
        private var distances: (Double, Double, Double) = (0, 0, 0)
        private(set) var count = 0

        subscript(rank: Int) -> (task: Int, distance: Double) {
            switch rank {
            case 0: return (tasks.0, distances.0)
            case 1: return (tasks.1, distances.1)
            default: return (tasks.2, distances.2)
            }
        }

        /// Whether it holds `similarityFallbackCount` tasks: a task must then be nearer than
        /// `farthestKept` to enter.
        var isFull: Bool { count == TaskIndexPredictor.similarityFallbackCount }
        /// The distance of the last task kept once full, else +∞.
        var farthestKept: Double { isFull ? distances.2 : .infinity }

        /// Inserts a task after every task at the same or a smaller distance.
        mutating func insert(task: Int, distance: Double) {
            // Most tasks are farther than the third nearest so far: one comparison.
            if isFull && !(distance < distances.2) { return }
            var rank = count
            while rank > 0 && self[rank - 1].distance > distance { rank -= 1 }
            guard rank < TaskIndexPredictor.similarityFallbackCount else { return }
            var moved = (task, distance)
            for position in rank..<Swift.min(count + 1, TaskIndexPredictor.similarityFallbackCount) {
                let previous = self[position]
                set(position, moved)
                moved = previous
            }
            count = Swift.min(count + 1, TaskIndexPredictor.similarityFallbackCount)
        }

        private mutating func set(_ rank: Int, _ value: (Int, Double)) {
            switch rank {
            case 0: tasks.0 = value.0; distances.0 = value.1
            case 1: tasks.1 = value.0; distances.1 = value.1
            default: tasks.2 = value.0; distances.2 = value.1
            }
        }
    }
}

import Glibc
import FoundationEssentials
