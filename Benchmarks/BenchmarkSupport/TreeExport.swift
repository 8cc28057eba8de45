import Foundation
public import LifelongLearning

/// The trees as plain arrays (numeric splits: go left when `x <= value`, NaN follows
/// `default_left`), for scripts/learning/tl2cgen_bench.py to rebuild with treelite. Trees on
/// a linear base are refused: treelite would rebuild them without it.
public func exportTrees(_ model: GradientBoostedTrees, to path: String) throws {
    guard !model.hasLinearBase else {
        throw LearningError(.invalidParameter, "trees on a linear base cannot be exported without it", field: "linearBase")
    }
    let objective: String
    switch model.objective {
    case .squaredError: objective = "regression"
    case .binaryLogistic: objective = "binary"
    case .multiclassSoftmax: objective = "multiclass"
    }
    let trees: [[String: Any]] = model.trees.map { tree in
        [
            "output": tree.outputIndex,
            "feature": tree.splitFeatures.map(Int.init),
            "value": tree.values.map(Double.init),
            "left": tree.leftChildren.map(Int.init),
            "right": tree.rightChildren.map(Int.init),
            "default_left": tree.defaultLeft,
            "categorical_nodes": tree.categorySplits.map(\.node),
        ]
    }
    let document: [String: Any] = [
        "features": model.encoding.featureCount, "objective": objective,
        "base_scores": model.baseScores.map(Double.init), "trees": trees,
    ]
    try JSONSerialization.data(withJSONObject: document, options: .sortedKeys).write(to: URL(fileURLWithPath: path))
}
