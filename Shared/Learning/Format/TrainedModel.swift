/// A model of any kind this library trains, as stored and shipped: the cloud encodes it with
/// `serializedBytes()` (the protobuf message `lifelong.v1.TrainedModel`, format version
/// `TrainedModel.formatVersion`), the edge decodes it with `init(serializedBytes:)`.
public enum TrainedModel: Sendable {
    /// Gradient-boosted trees.
    case gradientBoostedTrees(GradientBoostedTrees)
    /// Logistic regression.
    case logisticRegression(LogisticRegression)
    /// Ridge regression.
    case ridgeRegression(RidgeRegression)
    /// The prediction form of gradient-boosted trees (`init(predictionFormOf:)`): it predicts
    /// exactly as the full model and takes a fraction of its memory, but keeps no trees, so it
    /// cannot be encoded (`serializedBytes()` throws) or boosted further. For processes that
    /// only serve.
    case compiledTrees(CompiledTreeEnsemble)

    /// The newest format version this library reads.
    public static let formatVersion: UInt32 = categorySlopesFormatVersion
    /// The version written for every model but trees on a linear base (readable by every
    /// reader of this format).
    public static let plainFormatVersion: UInt32 = 1
    /// The version written for trees on a linear base (`GbdtModel.linear_base`), so that a
    /// reader that predates it refuses the model instead of answering without its linear part.
    public static let linearBaseFormatVersion: UInt32 = 2
    /// The version written for a model whose linear part has slopes per category
    /// (`LinearModel.category_slopes`), which a reader that predates them would drop.
    public static let categorySlopesFormatVersion: UInt32 = 3

    /// The model, for prediction.
    public var model: any TabularModel {
        switch self {
        case .gradientBoostedTrees(let model): return model
        case .logisticRegression(let model): return model
        case .ridgeRegression(let model): return model
        case .compiledTrees(let model): return model
        }
    }

    /// The columns the model reads and its label.
    public var encoding: FeatureEncoding { model.encoding }
}

extension TrainedModel {
    /// The model in the smallest form that predicts exactly as `model` does: gradient-boosted
    /// trees without their trees (`GradientBoostedTrees.compiled`), linear models as they are.
    /// What a process that only serves keeps once the decoded model can be released.
    public var predictionModel: any TabularModel {
        switch self {
        case .gradientBoostedTrees(let model): return model.compiled
        case .logisticRegression(let model): return model
        case .ridgeRegression(let model): return model
        case .compiledTrees(let model): return model
        }
    }

    /// Decodes a model written by `serializedBytes()` straight into its prediction form:
    /// gradient-boosted trees become `.compiledTrees` (their trees are released as soon as
    /// they are compiled), linear models stay as they are.
    /// - Throws: As `init(serializedBytes:)`.
    public init(predictionFormOf bytes: [UInt8]) throws {
        switch try TrainedModel(serializedBytes: bytes) {
        case .gradientBoostedTrees(let model): self = .compiledTrees(model.compiled)
        case let other: self = other
        }
    }
}
