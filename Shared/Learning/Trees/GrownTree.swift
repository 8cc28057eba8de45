/// A tree as the grower builds it: splits on bins, leaf values already shrunk by the learning
/// rate, and, for each leaf, where its training rows lie in the grower's row buffers.
struct GrownTree: Sendable {
    struct Node: Sendable {
        /// Split feature, or -1 for a leaf.
        var feature: Int32 = -1
        /// Numeric split: bins 1…splitBin go left.
        var splitBin: Int = 0
        /// Categorical split: the bins that go left.
        var categorical: BinSet? = nil
        /// Where bin 0 (missing) goes.
        var defaultLeft = false
        var left: Int32 = -1
        var right: Int32 = -1
        /// Leaf output (learning rate applied).
        var value: Float = 0
        /// Loss reduction of the split (split nodes), for feature importance.
        var gain: Float = 0
        /// Hessian sum of the node's training rows.
        var cover: Float = 0

        var isLeaf: Bool { feature < 0 }
    }

    /// Training rows of a leaf: `count` row indices from `start` in row buffer `buffer`.
    struct LeafRows: Sendable {
        var node: Int
        var start: Int
        var count: Int
        var buffer: Int
    }

    var nodes: [Node] = []
    var leafRows: [LeafRows] = []
}

/// A grown tree laid out for walking binned rows (the training rows a round left out, the
/// validation rows): 16 bytes a node instead of the grower's record, and the child chosen
/// without a branch (a split's children are adjacent: right is left + 1). Bin 0 (missing) goes
/// the default way, a categorical split's bins left when in its set, a numeric split's bins
/// 1…splitBin left.
struct TreeWalk: Sendable {
    struct Node: Sendable {
        /// Split feature, or -1 for a leaf.
        var feature: Int32
        /// The left child; the right one follows it.
        var left: Int32
        /// Leaf output.
        var value: Float
        /// Numeric split: bins 1…splitBin go left.
        var splitBin: UInt8
        /// Where bin 0 (missing) goes.
        var defaultLeft: Bool
        /// Categorical split: its bins in ``TreeWalk/categories``; -1 for a numeric split.
        var category: Int16
    }

    let nodes: [Node]
    let categories: [BinSet]

    init(_ tree: GrownTree) {
        var categories: [BinSet] = []
        nodes = tree.nodes.map { node in
            precondition(node.isLeaf || node.right == node.left + 1, "a split's children are adjacent")
            var category: Int16 = -1
            if let set = node.categorical {
                category = Int16(categories.count)
                categories.append(set)
            }
            return Node(
                feature: node.feature, left: node.left, value: node.value, splitBin: UInt8(clamping: node.splitBin),
                defaultLeft: node.defaultLeft, category: category)
        }
        self.categories = categories
    }

    /// The leaf value for a binned row (`bins` points at the row's first bin).
    @inline(__always)
    func value(forBinnedRow bins: UnsafePointer<UInt8>) -> Float {
        nodes.withUnsafeBufferPointer { nodes in
            var index = 0
            while true {
                let node = nodes[index]
                if node.feature < 0 { return node.value }
                let bin = bins[Int(node.feature)]
                let left: Bool
                if bin == 0 {
                    left = node.defaultLeft
                } else if node.category >= 0 {
                    left = categories[Int(node.category)].contains(Int(bin))
                } else {
                    left = bin <= node.splitBin
                }
                index = Int(node.left) + (left ? 0 : 1)
            }
        }
    }
}
