public import LifelongProto

// The mapping between the library's models and the protobuf contract
// (Proto/lifelong/v1/model_format.proto). Decoding checks everything the message cannot:
// lengths that must agree, child indices, feature indices, category codes, finite numbers;
// a model that fails any check is rejected with `.corruptModel`, never half-built.

extension TrainedModel {
    /// Encodes the model as a `lifelong.v1.TrainedModel` message.
    /// - Throws: `LearningError` `.invalidValue` when a name holds a NUL character (which
    ///   protobuf-c cannot encode), or for a `.compiledTrees` model (it keeps no trees).
    public func serializedBytes() throws -> [UInt8] {
        do {
            return try proto.serializedBytes()
        } catch {
            throw LearningError(.invalidValue, "the model cannot be encoded: \(error)", cause: error)
        }
    }

    /// Decodes a model written by `serializedBytes()`.
    /// - Throws: `LearningError` `.corruptModel` for bytes that are not a valid, consistent
    ///   model; `.unsupportedFormatVersion` for a newer format version.
    public init(serializedBytes bytes: [UInt8]) throws {
        let message: Lifelong_V1_TrainedModel
        do {
            message = try Lifelong_V1_TrainedModel(serializedBytes: bytes)
        } catch {
            throw LearningError(.corruptModel, "the bytes are not a lifelong.v1.TrainedModel: \(error)", cause: error)
        }
        try self.init(proto: message)
    }

    /// The model as its protobuf message.
    /// - Throws: `LearningError` `.invalidValue` for a `.compiledTrees` model.
    public var proto: Lifelong_V1_TrainedModel {
        get throws { try message() }
    }

    private func message() throws -> Lifelong_V1_TrainedModel {
        var message = Lifelong_V1_TrainedModel()
        message.formatVersion = Self.plainFormatVersion
        message.encoding = encoding.proto
        switch self {
        case .gradientBoostedTrees(let model):
            message.kind = .gbdt
            message.gbdt = model.proto
            // A reader older than the linear base would skip it and answer wrongly: such
            // models carry the version that introduced it, which older readers refuse.
            if let linear = model.linearBase {
                message.formatVersion = linear.slopes.isEmpty ? Self.linearBaseFormatVersion : Self.categorySlopesFormatVersion
            }
        case .logisticRegression(let model):
            message.kind = .logisticRegression
            message.linear = model.scorer.proto(objective: model.objective, l2Lambda: model.l2Lambda)
            if !model.scorer.slopes.isEmpty { message.formatVersion = Self.categorySlopesFormatVersion }
        case .ridgeRegression(let model):
            message.kind = .ridgeRegression
            message.linear = model.scorer.proto(objective: .squaredError, l2Lambda: model.l2Lambda)
        case .compiledTrees:
            throw LearningError(
                .invalidValue, "a compiled model keeps no trees and cannot be encoded; encode the model it was compiled from")
        }
        return message
    }

    /// Rebuilds a model from its protobuf message, checking it.
    /// - Throws: `LearningError` `.corruptModel` or `.unsupportedFormatVersion`.
    public init(proto message: Lifelong_V1_TrainedModel) throws {
        guard message.formatVersion != 0 else {
            throw LearningError(.corruptModel, "the model has no format version", field: "format_version")
        }
        guard message.formatVersion <= Self.formatVersion else {
            throw LearningError(
                .unsupportedFormatVersion,
                "model format version \(message.formatVersion) is newer than the supported \(Self.formatVersion)",
                field: "format_version")
        }
        guard let encodingMessage = message.encoding else {
            throw LearningError(.corruptModel, "the model has no feature encoding", field: "encoding")
        }
        let encoding = try FeatureEncoding(proto: encodingMessage)
        switch message.kind {
        case .gbdt:
            guard let gbdt = message.gbdt else {
                throw LearningError(.corruptModel, "a GBDT model without its trees", field: "gbdt")
            }
            self = .gradientBoostedTrees(try GradientBoostedTrees(proto: gbdt, encoding: encoding))
        case .logisticRegression, .ridgeRegression:
            guard let linear = message.linear else {
                throw LearningError(.corruptModel, "a linear model without its coefficients", field: "linear")
            }
            let objective = try ModelObjective(proto: linear.objective, scoreCount: Int(linear.outputCount))
            try linear.checkInputWidth(field: "linear")
            if message.kind == .ridgeRegression {
                guard objective == .squaredError, linear.intercepts.count == 1, linear.categorySlopes.isEmpty else {
                    throw LearningError(
                        .corruptModel, "a ridge model must be squared error with one intercept and no category slopes", field: "linear")
                }
                self = .ridgeRegression(
                    try RidgeRegression(
                        encoding: encoding, means: linear.means, scales: linear.scales, weights: linear.weights,
                        intercept: linear.intercepts[0], l2Lambda: linear.l2Lambda))
            } else {
                self = .logisticRegression(
                    try LogisticRegression(
                        encoding: encoding, objective: objective, l2Lambda: linear.l2Lambda,
                        scorer: linear.scorer(encoding: encoding, scoreCount: objective.scoreCount)))
            }
        default:
            throw LearningError(.corruptModel, "unknown model kind \(message.kind.rawValue)", field: "kind")
        }
    }
}

extension FeatureEncoding {
    /// The encoding as its protobuf message.
    public var proto: Lifelong_V1_FeatureEncoding {
        var message = Lifelong_V1_FeatureEncoding()
        message.features = features.map { column in
            var entry = Lifelong_V1_FeatureColumn()
            entry.name = column.name
            switch column.kind {
            case .numeric:
                entry.kind = .numeric
            case .categorical(let categories):
                entry.kind = .categorical
                entry.categories = categories.categories
            }
            return entry
        }
        message.labelName = labelName
        message.classLabels = classNames
        return message
    }

    /// Rebuilds an encoding from its protobuf message.
    /// - Throws: `LearningError` `.corruptModel` for an unknown column kind, categories on a
    ///   numeric column, or repeated categories or classes.
    public init(proto message: Lifelong_V1_FeatureEncoding) throws {
        var columns: [FeatureColumn] = []
        for (index, entry) in message.features.enumerated() {
            switch entry.kind {
            case .numeric:
                guard entry.categories.isEmpty else {
                    throw LearningError(.corruptModel, "numeric feature \(index) lists categories", field: entry.name)
                }
                columns.append(FeatureColumn(name: entry.name, kind: .numeric))
            case .categorical:
                guard let categories = try? CategoricalEncoding(categories: entry.categories) else {
                    throw LearningError(.corruptModel, "categorical feature \(index) repeats a category", field: entry.name)
                }
                columns.append(FeatureColumn(name: entry.name, kind: .categorical(categories)))
            default:
                throw LearningError(
                    .corruptModel, "feature \(index) has unknown kind \(entry.kind.rawValue)", field: entry.name)
            }
        }
        let label: LabelKind
        if message.classLabels.isEmpty {
            label = .regression
        } else {
            guard let classes = try? CategoricalEncoding(categories: message.classLabels) else {
                throw LearningError(.corruptModel, "the class labels repeat a class", field: "class_labels")
            }
            label = .classification(classes: classes)
        }
        self.init(features: columns, labelName: message.labelName, label: label)
    }
}

extension ModelObjective {
    var proto: Lifelong_V1_TrainedModelObjective {
        switch self {
        case .squaredError: return .squaredError
        case .binaryLogistic: return .binaryLogistic
        case .multiclassSoftmax: return .multiclassSoftmax
        }
    }

    init(proto: Lifelong_V1_TrainedModelObjective, scoreCount: Int) throws {
        switch proto {
        case .squaredError where scoreCount == 1: self = .squaredError
        case .binaryLogistic where scoreCount == 1: self = .binaryLogistic
        case .multiclassSoftmax where scoreCount > 2 && scoreCount <= 1 << 16: self = .multiclassSoftmax(classCount: scoreCount)
        default:
            throw LearningError(
                .corruptModel, "objective \(proto.rawValue) with \(scoreCount) outputs is not valid", field: "objective")
        }
    }
}

extension GradientBoostedTrees {
    var proto: Lifelong_V1_GbdtModel {
        var message = Lifelong_V1_GbdtModel()
        message.objective = objective.proto
        message.outputCount = UInt32(objective.scoreCount)
        message.featureCount = UInt32(encoding.featureCount)
        message.baseScores = baseScores
        message.trees = trees.map { tree in
            var entry = Lifelong_V1_GbdtTree()
            entry.outputIndex = UInt32(tree.outputIndex)
            entry.splitFeatures = tree.splitFeatures
            entry.values = tree.values
            entry.leftChildren = tree.leftChildren
            entry.rightChildren = tree.rightChildren
            entry.defaultLeft = tree.defaultLeft
            entry.categoricalSplits = tree.categorySplits.map { split in
                var splitMessage = Lifelong_V1_GbdtCategoricalSplit()
                splitMessage.nodeIndex = UInt32(split.node)
                splitMessage.leftCategories = split.leftCategories.map { UInt32($0) }
                return splitMessage
            }
            return entry
        }
        var record = Lifelong_V1_GbdtTrainingRecord()
        record.rounds = UInt32(parameters.rounds)
        record.roundsKept = UInt32(roundsKept)
        record.maxDepth = UInt32(parameters.maxDepth)
        record.learningRate = parameters.learningRate
        record.minChildWeight = parameters.minChildWeight
        record.l2Lambda = parameters.l2Lambda
        record.gamma = parameters.gamma
        record.rowSubsample = parameters.rowSubsample
        record.columnSubsample = parameters.columnSubsample
        record.maxBins = UInt32(parameters.maxBins)
        record.seed = parameters.seed
        record.linearBase = parameters.linearBase
        record.linearSlopeFeatures = parameters.linearSlopeFeatures
        record.linearSlopeL2Lambda = parameters.linearSlopeL2Lambda
        message.training = record
        if let linearBase { message.linearBase = linearBase.proto(objective: objective, l2Lambda: 0) }
        return message
    }

    init(proto message: Lifelong_V1_GbdtModel, encoding: FeatureEncoding) throws {
        let objective = try ModelObjective(proto: message.objective, scoreCount: Int(message.outputCount))
        guard Int(message.featureCount) == encoding.featureCount else {
            throw LearningError(
                .corruptModel, "feature_count \(message.featureCount) but the encoding has \(encoding.featureCount) features",
                field: "feature_count")
        }
        var parameters = GradientBoostingParameters()
        parameters.objective = objective
        var roundsKept = message.trees.count / max(1, objective.scoreCount)
        if let record = message.training {
            parameters.rounds = Int(record.rounds)
            parameters.maxDepth = Int(record.maxDepth)
            parameters.learningRate = record.learningRate
            parameters.minChildWeight = record.minChildWeight
            parameters.l2Lambda = record.l2Lambda
            parameters.gamma = record.gamma
            parameters.rowSubsample = record.rowSubsample
            parameters.columnSubsample = record.columnSubsample
            parameters.maxBins = Int(record.maxBins)
            parameters.seed = record.seed
            parameters.linearBase = record.linearBase
            parameters.linearSlopeFeatures = record.linearSlopeFeatures
            parameters.linearSlopeL2Lambda = record.linearSlopeL2Lambda
            roundsKept = Int(record.roundsKept)
        }
        let trees = try message.trees.enumerated().map { index, entry -> RegressionTree in
            let nodeCount = entry.splitFeatures.count
            let splits = try entry.categoricalSplits.map { split -> RegressionTree.CategorySplit in
                guard Int(split.nodeIndex) < nodeCount, split.leftCategories.allSatisfy({ $0 <= UInt32(Int32.max) }) else {
                    throw LearningError(.corruptModel, "tree \(index): categorical split out of range", field: "trees")
                }
                return RegressionTree.CategorySplit(node: Int(split.nodeIndex), leftCategories: split.leftCategories.map { Int($0) })
            }
            return RegressionTree(
                outputIndex: Int(entry.outputIndex), splitFeatures: entry.splitFeatures, values: entry.values,
                leftChildren: entry.leftChildren, rightChildren: entry.rightChildren, defaultLeft: entry.defaultLeft,
                categorySplits: splits)
        }
        let linearBase = try message.linearBase.map { linear -> LinearScorer in
            guard linear.objective == message.objective, linear.outputCount == message.outputCount else {
                throw LearningError(.corruptModel, "the linear base's objective and outputs differ from the trees'", field: "linear_base")
            }
            try linear.checkInputWidth(field: "linear_base")
            return try linear.scorer(encoding: encoding, scoreCount: objective.scoreCount)
        }
        try self.init(
            encoding: encoding, objective: objective, baseScores: message.baseScores, trees: trees,
            linearBase: linearBase, parameters: parameters, roundsKept: roundsKept)
    }
}

extension Lifelong_V1_LinearModel {
    /// Checks `input_width` against the means given (a corruption the wire cannot catch).
    func checkInputWidth(field: String) throws {
        guard Int(inputWidth) == means.count else {
            throw LearningError(.corruptModel, "input_width \(inputWidth) but \(means.count) means", field: field)
        }
    }

    /// The scorer of these coefficients over `encoding`, with their category slopes.
    /// - Throws: `LearningError.corruptModel` when the parts do not fit together.
    func scorer(encoding: FeatureEncoding, scoreCount: Int) throws -> LinearScorer {
        try LinearScorer(
            encoder: LinearInputEncoder(encoding: encoding, means: means, scales: scales), scoreCount: scoreCount,
            weights: weights, intercepts: intercepts,
            slopes: categorySlopes.map { (Int(exactly: $0.featureIndex) ?? Int.max, $0.weights) })
    }
}

extension LinearScorer {
    /// The coefficients as the model format's linear model.
    func proto(objective: ModelObjective, l2Lambda: Float) -> Lifelong_V1_LinearModel {
        var linear = Lifelong_V1_LinearModel()
        linear.objective = objective.proto
        linear.outputCount = UInt32(scoreCount)
        linear.inputWidth = UInt32(encoder.width)
        linear.means = encoder.means
        linear.scales = encoder.scales
        linear.weights = weights
        linear.intercepts = intercepts
        linear.l2Lambda = l2Lambda
        linear.categorySlopes = slopes.map { slope in
            var message = Lifelong_V1_CategorySlopes()
            message.featureIndex = UInt32(slope.feature)
            message.weights = slope.offsets
            return message
        }
        return linear
    }
}
