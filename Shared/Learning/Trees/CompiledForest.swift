/// The prediction form of a tree ensemble: flat arrays walked without allocation.
///
/// Trees are grouped by the score they add to. When no tree has a categorical split and the
/// deepest tree is at most `maximumCompleteDepth` deep, every tree is padded to a complete
/// binary tree of the ensemble's depth (shallow leaves become chains of always-left nodes),
/// so a walk is a fixed number of branch-free steps: `index = 2 * index + (x > t)` from one
/// level to the next. All trees of a score are walked level by level, so the steps of one
/// level are independent and the core overlaps their memory loads; rows without missing
/// values compare integer order keys, rows with some take each node's default direction for
/// NaN. Otherwise a general walk over explicit child indices is used.
///
/// The arrays live in memory this immutable object owns, so a prediction touches no
/// reference counts.
final class CompiledForest: @unchecked Sendable {
    static let maximumCompleteDepth = 10

    /// One split of a complete tree: go right when `row[feature] > threshold`.
    struct CompleteNode {
        var feature: UInt32
        var threshold: Float
        var defaultLeft: Bool
    }

    /// An array copied into memory owned by the forest.
    private static func copy<T>(_ values: [T]) -> UnsafeMutablePointer<T> {
        let buffer = UnsafeMutablePointer<T>.allocate(capacity: max(1, values.count))
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { buffer.initialize(from: base, count: source.count) }
        }
        return buffer
    }

    let featureCount: Int
    let scoreCount: Int
    let usesCompleteLayout: Bool
    private let baseScores: UnsafeMutablePointer<Float>
    /// Per feature: category count, or -1 for numeric features.
    private let categoryCounts: UnsafeMutablePointer<Int32>
    /// Trees of score k are `treeStarts[k]..<treeStarts[k + 1]` in grouped order.
    private let treeStarts: UnsafeMutablePointer<Int>
    private let treeCount: Int
    private let widestScore: Int

    // Complete layout, level-major: level L holds, for each tree t in grouped order, its 2^L
    // nodes of that level, tree t's node r of level L at `treeCount * (2^L - 1) + t * 2^L + r`.
    private let completeDepth: Int
    /// Per complete node: the feature in the low 31 bits, whether a missing value goes left in
    /// bit 31 (`defaultLeftBit`), and the threshold's order key (`orderKey`) in the high 32
    /// bits, so one load gives all three and the comparison is an unsigned integer compare.
    private let completeKeys: UnsafeMutablePointer<UInt64>
    /// Tree t's leaf r at `t * 2^depth + r`.
    private let completeLeaves: UnsafeMutablePointer<Float>

    // General layout: all trees' nodes concatenated.
    private let roots: UnsafeMutablePointer<Int32>
    private let nodeFeature: UnsafeMutablePointer<Int32>
    private let nodeValue: UnsafeMutablePointer<Float>
    private let nodeLeft: UnsafeMutablePointer<Int32>
    private let nodeRight: UnsafeMutablePointer<Int32>
    private let nodeDefaultLeft: UnsafeMutablePointer<Bool>
    /// Per node: first word of its category bitset in `categoryBits`, or -1.
    private let nodeCategoryWords: UnsafeMutablePointer<Int32>
    private let categoryBits: UnsafeMutablePointer<UInt64>

    /// The bit of a complete node's key that says a missing value goes left.
    private static let defaultLeftBit: UInt64 = 1 << 31

    /// Compiles trees that passed `RegressionTree.validate`.
    init(trees: [RegressionTree], baseScores: [Float], encoding: FeatureEncoding) {
        featureCount = encoding.featureCount
        scoreCount = baseScores.count
        self.baseScores = Self.copy(baseScores)
        categoryCounts = Self.copy(encoding.features.map { Int32($0.categories?.count ?? -1) })
        var grouped: [RegressionTree] = []
        var starts: [Int] = [0]
        for output in 0..<baseScores.count {
            grouped.append(contentsOf: trees.filter { $0.outputIndex == output })
            starts.append(grouped.count)
        }
        treeStarts = Self.copy(starts)
        treeCount = grouped.count
        widestScore = (0..<baseScores.count).map { starts[$0 + 1] - starts[$0] }.max() ?? 0

        let depth = grouped.map(\.depth).max() ?? 0
        let anyCategorical = grouped.contains { !$0.categorySplits.isEmpty }
        let realNodes = grouped.reduce(0) { $0 + $1.nodeCount }
        // Padding must not blow up memory (a decoded model may mix one deep tree with many
        // stumps): the complete layout may hold at most four times the real nodes.
        let paddedNodes = grouped.count << depth
        usesCompleteLayout = !anyCategorical && depth <= Self.maximumCompleteDepth
            && paddedNodes <= max(4 * realNodes, 1 << 16)

        // The general layout is built only when the walk uses it: a served model keeps one
        // layout in memory, not two.
        var roots: [Int32] = [], feature: [Int32] = [], value: [Float] = [], left: [Int32] = [], right: [Int32] = []
        var defaultLeft: [Bool] = [], categoryWords: [Int32] = [], bits: [UInt64] = []
        for tree in grouped where !usesCompleteLayout {
            let offset = Int32(feature.count)
            roots.append(offset)
            var wordsOfNode = [Int32](repeating: -1, count: tree.nodeCount)
            for split in tree.categorySplits {
                let categoryCount = encoding.features[Int(tree.splitFeatures[split.node])].categories?.count ?? 0
                wordsOfNode[split.node] = Int32(bits.count)
                var words = [UInt64](repeating: 0, count: max(1, (categoryCount + 63) / 64))
                for code in split.leftCategories { words[code >> 6] |= 1 << UInt64(code & 63) }
                bits.append(contentsOf: words)
            }
            for node in 0..<tree.nodeCount {
                feature.append(tree.splitFeatures[node])
                value.append(tree.values[node])
                left.append(tree.leftChildren[node] < 0 ? -1 : tree.leftChildren[node] + offset)
                right.append(tree.rightChildren[node] < 0 ? -1 : tree.rightChildren[node] + offset)
                defaultLeft.append(tree.defaultLeft[node])
                categoryWords.append(wordsOfNode[node])
            }
        }
        self.roots = Self.copy(roots)
        nodeFeature = Self.copy(feature)
        nodeValue = Self.copy(value)
        nodeLeft = Self.copy(left)
        nodeRight = Self.copy(right)
        nodeDefaultLeft = Self.copy(defaultLeft)
        nodeCategoryWords = Self.copy(categoryWords)
        categoryBits = Self.copy(bits)

        completeDepth = usesCompleteLayout ? depth : 0
        let internalCount = usesCompleteLayout ? (1 << depth) - 1 : 0
        let leafCount = usesCompleteLayout ? 1 << depth : 0
        var nodes = [CompleteNode](
            repeating: CompleteNode(feature: 0, threshold: .infinity, defaultLeft: true), count: internalCount * treeCount)
        var leaves = [Float](repeating: 0, count: leafCount * treeCount)
        if usesCompleteLayout {
            let treeCount = self.treeCount
            for (t, tree) in grouped.enumerated() {
                // Place each source node at (level, rank within level) of the complete tree.
                var stack: [(source: Int, rank: Int, level: Int)] = [(0, 0, 0)]
                while let (source, rank, level) = stack.popLast() {
                    if tree.splitFeatures[source] < 0 {
                        // Padding nodes are always-left, so the leaf lands on the leftmost
                        // descendant at full depth.
                        leaves[(t << depth) + (rank << (depth - level))] = tree.values[source]
                    } else {
                        let slot = treeCount * ((1 << level) - 1) + (t << level) + rank
                        // +0 for -0, so the order-key comparison of the walk matches `x <= threshold`.
                        let threshold = tree.values[source] == 0 ? 0 : tree.values[source]
                        nodes[slot] = CompleteNode(
                            feature: UInt32(tree.splitFeatures[source]), threshold: threshold, defaultLeft: tree.defaultLeft[source])
                        stack.append((Int(tree.leftChildren[source]), 2 * rank, level + 1))
                        stack.append((Int(tree.rightChildren[source]), 2 * rank + 1, level + 1))
                    }
                }
            }
        }
        completeKeys = Self.copy(nodes.map {
            UInt64($0.feature) | ($0.defaultLeft ? Self.defaultLeftBit : 0) | UInt64(Self.orderKey($0.threshold)) << 32
        })
        completeLeaves = Self.copy(leaves)
    }

    deinit {
        baseScores.deallocate()
        categoryCounts.deallocate()
        treeStarts.deallocate()
        completeKeys.deallocate()
        completeLeaves.deallocate()
        roots.deallocate()
        nodeFeature.deallocate()
        nodeValue.deallocate()
        nodeLeft.deallocate()
        nodeRight.deallocate()
        nodeDefaultLeft.deallocate()
        nodeCategoryWords.deallocate()
        categoryBits.deallocate()
    }

    /// A key whose unsigned order is the order of non-NaN floats (with -0 below +0;
    /// thresholds are never -0, and -0 <= +0 holds either way).
    @inline(__always)
    static func orderKey(_ value: Float) -> UInt32 {
        let bits = value.bitPattern
        return bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
    }

    /// The threshold whose order key is `key` (the inverse of `orderKey`).
    @inline(__always)
    static func threshold(ofOrderKey key: UInt32) -> Float {
        Float(bitPattern: key & 0x8000_0000 != 0 ? key & 0x7FFF_FFFF : ~key)
    }

    /// Writes the raw scores of one row (`featureCount` values) to `scores` (`scoreCount`).
    @inline(__always)
    func scores(row: UnsafePointer<Float>, into scores: UnsafeMutablePointer<Float>) {
        if usesCompleteLayout {
            completeScores(row: row, into: scores)
        } else {
            generalScores(row: row, into: scores)
        }
    }

    private func completeScores(row: UnsafePointer<Float>, into scores: UnsafeMutablePointer<Float>) {
        var anyMissing = false
        for feature in 0..<featureCount { anyMissing = anyMissing || row[feature].isNaN }
        let depth = completeDepth, treeCount = self.treeCount
        let keys = completeKeys
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: max(1, featureCount)) { keyBuffer in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: max(1, widestScore)) { indexBuffer in
                let indices = indexBuffer.baseAddress!, rowKeys = keyBuffer.baseAddress!
                if !anyMissing {
                    for feature in 0..<featureCount { rowKeys[feature] = Self.orderKey(row[feature]) }
                }
                for output in 0..<scoreCount {
                    let first = treeStarts[output], count = treeStarts[output + 1] - first
                    // A tree's node of rank r at level L is at index t * 2^L + r of that level's
                    // block; from one level to the next that index i becomes 2i + (went right),
                    // and after the last level it is the leaf's index.
                    for j in 0..<count { indices[j] = first &+ j }
                    for level in 0..<depth {
                        let levelStart = treeCount * ((1 << level) - 1)
                        if anyMissing {
                            let levelKeys = keys + levelStart
                            for j in 0..<count {
                                let index = indices[j]
                                let packed = levelKeys[index]
                                let x = row[Int(truncatingIfNeeded: packed & 0x7FFF_FFFF)]
                                let threshold = Self.threshold(ofOrderKey: UInt32(truncatingIfNeeded: packed >> 32))
                                // NaN fails both comparisons: `x > t` sends it left, `!(x <= t)` right.
                                let right = packed & Self.defaultLeftBit != 0 ? x > threshold : !(x <= threshold)
                                indices[j] = 2 &* index &+ (right ? 1 : 0)
                            }
                        } else {
                            let levelKeys = keys + levelStart
                            for j in 0..<count {
                                let index = indices[j]
                                let packed = levelKeys[index]
                                let threshold = UInt32(truncatingIfNeeded: packed >> 32)
                                let right = threshold < rowKeys[Int(truncatingIfNeeded: packed & 0x7FFF_FFFF)] ? 1 : 0
                                indices[j] = 2 &* index &+ right
                            }
                        }
                    }
                    scores[output] = sumLeaves(output: output, leaves: indices)
                }
            }
        }
    }

    /// The base score plus the leaves (indices into `completeLeaves`) reached in the trees of
    /// `output`.
    @inline(__always)
    private func sumLeaves(output: Int, leaves indices: UnsafePointer<Int>) -> Float {
        let count = treeStarts[output + 1] - treeStarts[output]
        let leaves = completeLeaves
        var sums = SIMD4<Float>(baseScores[output], 0, 0, 0)
        var j = 0
        while j + 4 <= count {
            sums += SIMD4(leaves[indices[j]], leaves[indices[j + 1]], leaves[indices[j + 2]], leaves[indices[j + 3]])
            j += 4
        }
        var tail: Float = 0
        while j < count {
            tail += leaves[indices[j]]
            j += 1
        }
        return (sums[0] + sums[1]) + (sums[2] + sums[3]) + tail
    }

    private func generalScores(row: UnsafePointer<Float>, into scores: UnsafeMutablePointer<Float>) {
        for output in 0..<scoreCount {
            var sum = baseScores[output]
            for t in treeStarts[output]..<treeStarts[output + 1] {
                var node = Int(roots[t])
                while nodeFeature[node] >= 0 {
                    let feature = Int(nodeFeature[node])
                    let x = row[feature]
                    var goLeft: Bool
                    if x.isNaN {
                        goLeft = nodeDefaultLeft[node]
                    } else if nodeCategoryWords[node] >= 0 {
                        // A code the encoding does not know is treated as missing.
                        let code = Int(x)
                        if Float(code) != x || code < 0 || code >= Int(categoryCounts[feature]) {
                            goLeft = nodeDefaultLeft[node]
                        } else {
                            let word = categoryBits[Int(nodeCategoryWords[node]) + (code >> 6)]
                            goLeft = word & (1 << UInt64(code & 63)) != 0
                        }
                    } else {
                        goLeft = x <= nodeValue[node]
                    }
                    node = Int(goLeft ? nodeLeft[node] : nodeRight[node])
                }
                sum += nodeValue[node]
            }
            scores[output] = sum
        }
    }
}
