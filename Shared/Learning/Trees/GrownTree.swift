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

        @inline(__always)
        func goesLeft(bin: Int) -> Bool {
            if bin == 0 { return defaultLeft }
            if let categorical { return categorical.contains(bin) }
            return bin <= splitBin
        }
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

    /// The leaf value for a binned row (`bins` points at the row's first bin).
    @inline(__always)
    func value(forBinnedRow bins: UnsafePointer<UInt8>) -> Float {
        nodes.withUnsafeBufferPointer { nodes in
            var index = 0
            while true {
                let node = nodes[index]
                if node.feature < 0 { return node.value }
                index = Int(node.goesLeft(bin: Int(bins[Int(node.feature)])) ? node.left : node.right)
            }
        }
    }
}
