/// Grows one regression tree level by level on binned rows.
///
/// The rows of every node are a contiguous segment of one of two row-index buffers; a split
/// partitions its segment (stably, in parallel blocks) into the other buffer. For each pair
/// of children only the smaller child's histogram is built; the larger one is the parent's
/// histogram minus it, computed in the parent's buffer.
final class TreeGrower {
    struct Settings {
        var maxDepth: Int
        var learningRate: Double
        var lambda: Double
        var minChildWeight: Double
    }

    /// A node still growing: its rows and statistics.
    private struct Frontier {
        var node: Int
        var start: Int
        var count: Int
        var buffer: Int
        var sumG: Double
        var sumH: Double
        var hist: UnsafeMutablePointer<SIMD2<Double>>?
    }

    /// One unit of parallel work over part of a node's rows.
    private struct RowBlock {
        var item: Int
        var start: Int
        var end: Int
    }

    let rowCount: Int
    let width: Int
    let settings: Settings
    let finder: SplitFinder
    private let bins: UnsafeMutablePointer<UInt8>
    /// The same bins column-major (`columnBins[feature * rowCount + row]`): a partition reads
    /// one feature of a node's rows, which lie close together in a column.
    private let columnBins: UnsafeMutablePointer<UInt8>
    private let rowBuffers: (UnsafeMutablePointer<UInt32>, UnsafeMutablePointer<UInt32>)
    private let flags: UnsafeMutablePointer<UInt8>
    private let pool: HistogramPool

    init(binned: BinnedRows, binning: FeatureBinning, settings: Settings, gamma: Double) {
        rowCount = binned.rowCount
        width = binned.featureCount
        self.settings = settings
        finder = SplitFinder(
            lambda: settings.lambda, gamma: gamma, minChildWeight: settings.minChildWeight,
            binCounts: binning.features.map(\.binCount), isCategorical: binning.features.map { $0.categoryCount != nil })
        let bins = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, binned.bins.count))
        binned.bins.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { bins.initialize(from: base, count: source.count) }
        }
        self.bins = bins
        let columnBins = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, binned.bins.count))
        let rows = binned.rowCount, features = binned.featureCount
        let shared = UncheckedSendable((bins, columnBins))
        ParallelWork.forEach(features) { feature in
            let (bins, columnBins) = shared.value
            for row in 0..<rows { columnBins[feature * rows + row] = bins[row * features + feature] }
        }
        self.columnBins = columnBins
        rowBuffers = (
            UnsafeMutablePointer<UInt32>.allocate(capacity: max(1, rowCount)),
            UnsafeMutablePointer<UInt32>.allocate(capacity: max(1, rowCount))
        )
        flags = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, rowCount))
        pool = HistogramPool(featureCount: width)
    }

    deinit {
        bins.deallocate()
        columnBins.deallocate()
        rowBuffers.0.deallocate()
        rowBuffers.1.deallocate()
        flags.deallocate()
    }

    private func rows(_ buffer: Int) -> UnsafeMutablePointer<UInt32> {
        buffer == 0 ? rowBuffers.0 : rowBuffers.1
    }

    /// The row-index buffer a leaf's rows lie in, valid until the next `grow`.
    func rowBuffer(_ buffer: Int) -> UnsafePointer<UInt32> { UnsafePointer(rows(buffer)) }

    /// Pointer to the binned row `row`.
    func binnedRow(_ row: Int) -> UnsafePointer<UInt8> { UnsafePointer(bins + row * width) }

    /// Grows a tree.
    /// - Parameters:
    ///   - gradients: One (gradient, hessian) pair per training row.
    ///   - sampledRows: The rows to grow on (ascending), or nil for all rows.
    ///   - features: The features splits may use (ascending).
    func grow(gradients: UnsafePointer<SIMD2<Float>>, sampledRows: [UInt32]?, features: [Int]) -> GrownTree {
        let rootCount: Int
        if let sampledRows {
            rootCount = sampledRows.count
            sampledRows.withUnsafeBufferPointer { source in
                if let base = source.baseAddress { rowBuffers.0.update(from: base, count: source.count) }
            }
        } else {
            rootCount = rowCount
            for row in 0..<rowCount { rowBuffers.0[row] = UInt32(row) }
        }
        let allFeatures = features.count == width
        var tree = GrownTree()
        tree.nodes.append(GrownTree.Node())
        var level = [Frontier(node: 0, start: 0, count: rootCount, buffer: 0, sumG: 0, sumH: 0, hist: nil)]
        if settings.maxDepth > 0 && rootCount >= 2 {
            level[0].hist = pool.take()
            buildHistograms([level[0]], gradients: gradients, features: allFeatures ? nil : features)
            // Every row falls in exactly one bin of any feature: one feature's bins sum to the total.
            let hist = level[0].hist! + (features[0] << 8)
            var total = SIMD2<Double>(0, 0)
            for bin in 0..<HistogramBuilder.binsPerFeature { total += hist[bin] }
            level[0].sumG = total.x
            level[0].sumH = total.y
        } else {
            var total = SIMD2<Double>(0, 0)
            let rows = rowBuffers.0
            for i in 0..<rootCount { let pair = gradients[Int(rows[i])]; total += SIMD2(Double(pair.x), Double(pair.y)) }
            level[0].sumG = total.x
            level[0].sumH = total.y
        }

        for depth in 0..<settings.maxDepth {
            if level.isEmpty { break }
            // Best split of every node that has a histogram, in parallel.
            let candidates = UncheckedSendable(UnsafeMutableBufferPointer<SplitCandidate?>.allocate(capacity: level.count))
            candidates.value.initialize(repeating: nil)
            defer { candidates.value.deallocate() }
            let finder = self.finder
            level.withUnsafeBufferPointer { levelNodes in
                // A node's scan is tens of microseconds: a few nodes are not worth a fork.
                ParallelWork.forEach(levelNodes.count, serial: levelNodes.count < 4) { i in
                    let node = levelNodes[i]
                    guard let hist = node.hist else { return }
                    candidates.value[i] = finder.best(hist: hist, sumG: node.sumG, sumH: node.sumH, features: features)
                }
            }

            // Record splits, retire the rest as leaves.
            var splitting: [(frontier: Frontier, split: SplitCandidate)] = []
            for (i, node) in level.enumerated() {
                if let split = candidates.value[i] {
                    splitting.append((node, split))
                } else {
                    if let hist = node.hist { pool.give(hist) }
                    finishLeaf(node, in: &tree)
                }
            }
            if splitting.isEmpty {
                level = []
                break
            }
            let leftCounts = partition(splitting.map { ($0.frontier, $0.split) })

            var next: [Frontier] = []
            var builds: [Frontier] = []
            var subtractions: [(small: UnsafeMutablePointer<SIMD2<Double>>, large: UnsafeMutablePointer<SIMD2<Double>>)] = []
            let childrenGrow = depth + 1 < settings.maxDepth
            for (index, entry) in splitting.enumerated() {
                let parent = entry.frontier, split = entry.split
                let leftIndex = tree.nodes.count
                tree.nodes.append(GrownTree.Node())
                tree.nodes.append(GrownTree.Node())
                tree.nodes[parent.node].feature = Int32(split.feature)
                tree.nodes[parent.node].splitBin = split.splitBin
                tree.nodes[parent.node].categorical = split.categorical
                tree.nodes[parent.node].defaultLeft = split.defaultLeft
                tree.nodes[parent.node].left = Int32(leftIndex)
                tree.nodes[parent.node].right = Int32(leftIndex + 1)
                tree.nodes[parent.node].gain = Float(split.gain)
                tree.nodes[parent.node].cover = Float(parent.sumH)
                let leftCount = leftCounts[index]
                var left = Frontier(
                    node: leftIndex, start: parent.start, count: leftCount, buffer: 1 - parent.buffer,
                    sumG: split.leftG, sumH: split.leftH, hist: nil)
                var right = Frontier(
                    node: leftIndex + 1, start: parent.start + leftCount, count: parent.count - leftCount,
                    buffer: 1 - parent.buffer, sumG: parent.sumG - split.leftG, sumH: parent.sumH - split.leftH, hist: nil)
                let parentHist = parent.hist!
                if childrenGrow && (canSplit(left) || canSplit(right)) {
                    let small = pool.take()
                    if left.count <= right.count {
                        left.hist = small
                        right.hist = parentHist
                        builds.append(left)
                    } else {
                        right.hist = small
                        left.hist = parentHist
                        builds.append(right)
                    }
                    subtractions.append((small, parentHist))
                } else {
                    pool.give(parentHist)
                }
                next.append(left)
                next.append(right)
            }
            if !builds.isEmpty {
                buildHistograms(builds, gradients: gradients, features: allFeatures ? nil : features)
                let size = pool.size
                let pairs = UncheckedSendable(subtractions)
                // One subtraction per histogram bin: below ~100,000 bins in all, less than waking a thread.
                ParallelWork.forEach(pairs.value.count, serial: pairs.value.count * size < 100_000) { i in
                    HistogramBuilder.subtract(pairs.value[i].small, from: pairs.value[i].large, count: size)
                }
            }
            // Children that cannot split give their histogram back now.
            for i in next.indices where !canSplit(next[i]) {
                if let hist = next[i].hist { pool.give(hist) }
                next[i].hist = nil
            }
            level = next
        }
        for node in level {
            if let hist = node.hist { pool.give(hist) }
            finishLeaf(node, in: &tree)
        }
        return tree
    }

    private func canSplit(_ node: Frontier) -> Bool {
        node.count >= 2 && node.sumH >= 2 * settings.minChildWeight
    }

    private func finishLeaf(_ node: Frontier, in tree: inout GrownTree) {
        // An empty node (no sampled rows) with λ = 0 would divide 0 by 0.
        let denominator = node.sumH + settings.lambda
        let weight = denominator > 0 ? -node.sumG / denominator * settings.learningRate : 0
        tree.nodes[node.node].value = Float(weight)
        tree.nodes[node.node].cover = Float(node.sumH)
        tree.leafRows.append(GrownTree.LeafRows(node: node.node, start: node.start, count: node.count, buffer: node.buffer))
    }

    /// Builds the histograms of `nodes` (each has a buffer in `hist`) in parallel blocks.
    private func buildHistograms(_ nodes: [Frontier], gradients: UnsafePointer<SIMD2<Float>>, features: [Int]?) {
        var blocks: [RowBlock] = []
        var targets: [UnsafeMutablePointer<SIMD2<Double>>] = []
        var scratch: [UnsafeMutablePointer<SIMD2<Double>>] = []
        for (item, node) in nodes.enumerated() {
            let count = HistogramBuilder.blockCount(rows: node.count)
            let size = (node.count + count - 1) / count
            for block in 0..<count {
                let start = node.start + block * size
                blocks.append(RowBlock(item: item, start: start, end: min(node.start + node.count, start + size)))
                if block == 0 {
                    targets.append(node.hist!)
                } else {
                    let buffer = pool.take()
                    scratch.append(buffer)
                    targets.append(buffer)
                }
            }
        }
        let size = pool.size
        let sinks = UnsafeMutablePointer<UInt8>.allocate(capacity: blocks.count * 64)
        defer { sinks.deallocate() }
        let shared = UncheckedSendable((blocks, targets, nodes, features, bins, width, gradients, rowBuffers, sinks))
        let totalRows = nodes.reduce(0) { $0 + $1.count }
        ParallelWork.forEach(blocks.count, serial: totalRows < 4096) { b in
            let (blocks, targets, nodes, features, bins, width, gradients, rowBuffers, sinks) = shared.value
            let block = blocks[b]
            let target = targets[b]
            target.initialize(repeating: SIMD2(0, 0), count: size)
            let rows = (nodes[block.item].buffer == 0 ? rowBuffers.0 : rowBuffers.1) + block.start
            if let features {
                features.withUnsafeBufferPointer { list in
                    HistogramBuilder.accumulate(
                        rows: rows, count: block.end - block.start, bins: bins, width: width, gradients: gradients,
                        features: list, into: target, sink: sinks + b * 64)
                }
            } else {
                HistogramBuilder.accumulate(
                    rows: rows, count: block.end - block.start, bins: bins, width: width, gradients: gradients,
                    features: nil, into: target, sink: sinks + b * 64)
            }
        }
        // Sum block buffers into each node's first block, in block order.
        if !scratch.isEmpty {
            var reductions: [(target: UnsafeMutablePointer<SIMD2<Double>>, addends: [UnsafeMutablePointer<SIMD2<Double>>])] = []
            var b = 0
            while b < blocks.count {
                var end = b + 1
                while end < blocks.count && blocks[end].item == blocks[b].item { end += 1 }
                if end - b > 1 { reductions.append((targets[b], Array(targets[(b + 1)..<end]))) }
                b = end
            }
            // Split each reduction by feature ranges so both cores help with the root.
            let slices = 4
            let sharedReductions = UncheckedSendable(reductions)
            let additions = reductions.reduce(0) { $0 + $1.addends.count } * size
            ParallelWork.forEach(reductions.count * slices, serial: additions < 100_000) { task in
                let reduction = sharedReductions.value[task / slices]
                let slice = task % slices
                let chunk = (size + slices - 1) / slices
                let start = slice * chunk, end = min(size, start + chunk)
                guard start < end else { return }
                for addend in reduction.addends {
                    HistogramBuilder.add(addend + start, to: reduction.target + start, count: end - start)
                }
            }
            for buffer in scratch { pool.give(buffer) }
        }
    }

    /// Partitions the rows of every splitting node into the other row buffer, left rows first,
    /// keeping their order. Returns each node's left count.
    private func partition(_ nodes: [(Frontier, SplitCandidate)]) -> [Int] {
        var blocks: [RowBlock] = []
        for (item, entry) in nodes.enumerated() {
            let node = entry.0
            let count = HistogramBuilder.blockCount(rows: node.count)
            let size = (node.count + count - 1) / count
            for block in 0..<count {
                let start = node.start + block * size
                blocks.append(RowBlock(item: item, start: start, end: min(node.start + node.count, start + size)))
            }
        }
        var blockLefts = [Int](repeating: 0, count: blocks.count)
        let totalRows = nodes.reduce(0) { $0 + $1.0.count }
        let shared = UncheckedSendable((blocks, nodes, columnBins, rowCount, rowBuffers, flags))
        blockLefts.withUnsafeMutableBufferPointer { lefts in
            let output = UncheckedSendable(lefts)
            ParallelWork.forEach(blocks.count, serial: totalRows < 8192) { b in
                let (blocks, nodes, columnBins, rowCount, rowBuffers, flags) = shared.value
                let block = blocks[b]
                let (node, split) = nodes[block.item]
                let source = node.buffer == 0 ? rowBuffers.0 : rowBuffers.1
                let column = columnBins + split.feature * rowCount
                // Which bins go left, as a table: one load per row and no data-dependent branch.
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: HistogramBuilder.binsPerFeature) { table in
                    for bin in 1..<HistogramBuilder.binsPerFeature {
                        let left = split.categorical.map { $0.contains(bin) } ?? (bin <= split.splitBin)
                        table[bin] = left ? 1 : 0
                    }
                    table[0] = split.defaultLeft ? 1 : 0
                    var leftCount = 0
                    for position in block.start..<block.end {
                        let left = table[Int(column[Int(source[position])])]
                        flags[position] = left
                        leftCount &+= Int(left)
                    }
                    output.value[b] = leftCount
                }
            }
        }
        // Where each block's left and right rows start in the destination.
        var leftStarts = [Int](repeating: 0, count: blocks.count)
        var rightStarts = [Int](repeating: 0, count: blocks.count)
        var nodeLefts = [Int](repeating: 0, count: nodes.count)
        for (b, block) in blocks.enumerated() { nodeLefts[block.item] += blockLefts[b] }
        var runningLeft = [Int](repeating: 0, count: nodes.count)
        var runningRight = [Int](repeating: 0, count: nodes.count)
        for (b, block) in blocks.enumerated() {
            let node = nodes[block.item].0
            leftStarts[b] = node.start + runningLeft[block.item]
            rightStarts[b] = node.start + nodeLefts[block.item] + runningRight[block.item]
            runningLeft[block.item] += blockLefts[b]
            runningRight[block.item] += (block.end - block.start) - blockLefts[b]
        }
        let offsets = UncheckedSendable((leftStarts, rightStarts))
        ParallelWork.forEach(blocks.count, serial: totalRows < 8192) { b in
            let (blocks, nodes, _, _, rowBuffers, flags) = shared.value
            let block = blocks[b]
            let node = nodes[block.item].0
            let source = node.buffer == 0 ? rowBuffers.0 : rowBuffers.1
            let destination = node.buffer == 0 ? rowBuffers.1 : rowBuffers.0
            var left = offsets.value.0[b], right = offsets.value.1[b]
            for position in block.start..<block.end {
                // Branch-free: pick the left or right slot arithmetically.
                let goesLeft = Int(flags[position])
                destination[right &+ ((left &- right) & (0 &- goesLeft))] = source[position]
                left &+= goesLeft
                right &+= 1 &- goesLeft
            }
        }
        return nodeLefts
    }
}
