/// One tree of a boosted ensemble, as flat parallel arrays (node 0 is the root).
///
/// A split node sends a row left when its feature value is `<= values[node]` (numeric
/// split) or is one of the node's left categories (categorical split); a missing value (NaN,
/// or a code the feature's encoding does not know) goes left when `defaultLeft[node]`.
/// A leaf's `values[node]` is its output, learning rate applied.
public struct RegressionTree: Sendable, Hashable {
    /// The categories a categorical split node sends left.
    public struct CategorySplit: Sendable, Hashable {
        /// The split node.
        public var node: Int
        /// Category codes that go left; other known codes go right.
        public var leftCategories: [Int]

        /// Creates a categorical split description.
        public init(node: Int, leftCategories: [Int]) {
            self.node = node
            self.leftCategories = leftCategories
        }
    }

    /// Which score (class index for softmax, else 0) the tree adds to.
    public var outputIndex: Int
    /// Per node: the feature a split tests, or -1 for a leaf.
    public var splitFeatures: [Int32]
    /// Per node: numeric threshold, leaf output, or 0 for a categorical split.
    public var values: [Float]
    /// Per node: left child, or -1 for a leaf.
    public var leftChildren: [Int32]
    /// Per node: right child, or -1 for a leaf.
    public var rightChildren: [Int32]
    /// Per node: whether missing values go left.
    public var defaultLeft: [Bool]
    /// The categorical split nodes.
    public var categorySplits: [CategorySplit]

    /// Creates a tree from its arrays; `GradientBoostedTrees.init` validates it.
    public init(
        outputIndex: Int, splitFeatures: [Int32], values: [Float], leftChildren: [Int32], rightChildren: [Int32],
        defaultLeft: [Bool], categorySplits: [CategorySplit] = []
    ) {
        self.outputIndex = outputIndex
        self.splitFeatures = splitFeatures
        self.values = values
        self.leftChildren = leftChildren
        self.rightChildren = rightChildren
        self.defaultLeft = defaultLeft
        self.categorySplits = categorySplits
    }

    /// The number of nodes.
    public var nodeCount: Int { splitFeatures.count }

    /// The depth of the deepest leaf (0 for a single leaf). Valid trees only.
    public var depth: Int {
        var deepest = 0
        var stack = [(0, 0)]
        while let (node, depth) = stack.popLast() {
            if splitFeatures[node] < 0 {
                deepest = max(deepest, depth)
            } else {
                stack.append((Int(leftChildren[node]), depth + 1))
                stack.append((Int(rightChildren[node]), depth + 1))
            }
        }
        return deepest
    }

    /// Checks that the arrays form one well-formed tree over `encoding`'s features.
    /// - Throws: `LearningError` `.corruptModel` describing the first inconsistency.
    func validate(index: Int, encoding: FeatureEncoding, scoreCount: Int) throws {
        func fail(_ message: String) -> LearningError {
            LearningError(.corruptModel, "tree \(index): \(message)")
        }
        let count = splitFeatures.count
        guard count > 0 else { throw fail("has no nodes") }
        guard values.count == count, leftChildren.count == count, rightChildren.count == count,
              defaultLeft.count == count
        else { throw fail("node arrays have different lengths") }
        guard (0..<scoreCount).contains(outputIndex) else {
            throw fail("output index \(outputIndex) outside 0..<\(scoreCount)")
        }
        var parents = [Int](repeating: 0, count: count)
        var categorical = [Bool](repeating: false, count: count)
        for split in categorySplits {
            guard (0..<count).contains(split.node), !categorical[split.node] else {
                throw fail("categorical split names node \(split.node) twice or out of range")
            }
            categorical[split.node] = true
        }
        for node in 0..<count {
            let feature = Int(splitFeatures[node])
            if feature < 0 {
                guard feature == -1, leftChildren[node] == -1, rightChildren[node] == -1 else {
                    throw fail("leaf \(node) has children or a bad feature \(feature)")
                }
                guard values[node].isFinite else { throw fail("leaf \(node) has value \(values[node])") }
                guard !categorical[node] else { throw fail("leaf \(node) has a categorical split") }
                continue
            }
            guard feature < encoding.featureCount else {
                throw fail("node \(node) splits on feature \(feature) of \(encoding.featureCount)")
            }
            let left = Int(leftChildren[node]), right = Int(rightChildren[node])
            // Children after their parent: no cycles, and every node reachable once.
            guard left > node, right > node, left < count, right < count, left != right else {
                throw fail("node \(node) has children \(left), \(right) out of order or range")
            }
            parents[left] += 1
            parents[right] += 1
            if categorical[node] {
                guard encoding.features[feature].categories != nil else {
                    throw fail("node \(node) is a categorical split on numeric feature \(feature)")
                }
            } else {
                guard !values[node].isNaN else { throw fail("node \(node) has a NaN threshold") }
            }
        }
        guard parents[0] == 0, parents.dropFirst().allSatisfy({ $0 == 1 }) else {
            throw fail("nodes do not form a single tree")
        }
        for split in categorySplits {
            let feature = Int(splitFeatures[split.node])
            let categoryCount = encoding.features[feature].categories?.count ?? 0
            guard split.leftCategories.allSatisfy({ $0 >= 0 && $0 < categoryCount }) else {
                throw fail("categorical split at node \(split.node) names a code outside 0..<\(categoryCount)")
            }
        }
    }
}
