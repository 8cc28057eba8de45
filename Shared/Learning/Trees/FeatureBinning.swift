/// Quantile binning of features into at most 256 bins, computed once per training set.
///
/// Bin 0 holds missing values. A numeric feature's present values go to bins 1…k: bin j+1
/// holds the values in (edges[j-1], edges[j]], the last bin everything above the last edge.
/// With at most 255 distinct values each value gets its own bin; otherwise the edges are
/// placed at quantiles so bins hold about equal row counts. Edges are midpoints between
/// neighbouring distinct training values. A categorical feature's code c goes to bin c+1.
struct FeatureBinning: Sendable {
    struct Feature: Sendable {
        /// Upper edges of the value bins, ascending (numeric features).
        var edges: [Float]
        /// Category count (categorical features), nil for numeric ones.
        var categoryCount: Int?
        /// Bins including the missing bin.
        var binCount: Int { categoryCount.map { $0 + 1 } ?? edges.count + 2 }
    }

    var features: [Feature]

    /// Fits bin edges to the training columns.
    static func fit(table: Table, maxBins: Int) throws -> FeatureBinning {
        let valueBins = maxBins - 1
        var features = [Feature](repeating: Feature(edges: [], categoryCount: nil), count: table.featureCount)
        for (index, column) in table.encoding.features.enumerated() {
            if let categories = column.categories {
                guard categories.count <= valueBins else {
                    throw LearningError(
                        .invalidParameter,
                        "categorical feature has \(categories.count) categories; trees take at most \(valueBins) (maxBins - 1)",
                        field: column.name)
                }
                features[index] = Feature(edges: [], categoryCount: categories.count)
            }
        }
        let numeric = table.encoding.features.indices.filter { table.encoding.features[$0].categories == nil }
        let result = UncheckedSendable(UnsafeMutableBufferPointer<Feature>.allocate(capacity: numeric.count))
        defer { result.value.deallocate() }
        ParallelWork.forEach(numeric.count) { i in
            let edges = quantileEdges(table.columns[numeric[i]], valueBins: valueBins)
            (result.value.baseAddress! + i).initialize(to: Feature(edges: edges, categoryCount: nil))
        }
        for (i, feature) in numeric.enumerated() { features[feature] = result.value[i] }
        return FeatureBinning(features: features)
    }

    /// Edges that split the present values of `column` into at most `valueBins` bins.
    static func quantileEdges(_ column: [Float], valueBins: Int) -> [Float] {
        var values = column.filter { !$0.isNaN }
        if values.isEmpty { return [] }
        sortStably(&values)
        var distinct: [Float] = []
        var counts: [Int] = []
        for value in values {
            if let last = distinct.last, last == value {
                counts[counts.count - 1] += 1
            } else {
                distinct.append(value)
                counts.append(1)
            }
        }
        func midpoint(_ a: Float, _ b: Float) -> Float {
            let middle = a + (b - a) / 2
            return middle < b ? middle : a
        }
        if distinct.count <= valueBins {
            return (0..<(distinct.count - 1)).map { midpoint(distinct[$0], distinct[$0 + 1]) }
        }
        var edges: [Float] = []
        edges.reserveCapacity(valueBins - 1)
        let total = Double(values.count)
        var cumulative = 0
        var nextTarget = total / Double(valueBins)
        for i in 0..<(distinct.count - 1) {
            cumulative += counts[i]
            if Double(cumulative) >= nextTarget {
                edges.append(midpoint(distinct[i], distinct[i + 1]))
                if edges.count == valueBins - 1 { break }
                // Heavy ties may cover several targets; the next edge aims past them.
                let reached = (Double(cumulative) / total * Double(valueBins)).rounded(.down)
                nextTarget = (reached + 1) * total / Double(valueBins)
            }
        }
        return edges
    }

    /// Sorts non-NaN floats ascending, equal values (-0 and +0 included) in their original
    /// order: the order of the standard library's stable `sort()`, so the distinct values
    /// and edges derived from it are the same, in a few linear passes instead of a merge sort
    /// (an LSD radix sort on integer order keys, 8 bits a pass).
    static func sortStably(_ values: inout [Float]) {
        let count = values.count
        if count < 2 { return }
        var keys = [UInt32](repeating: 0, count: count)
        var otherKeys = keys
        var otherValues = values
        values.withUnsafeMutableBufferPointer { values in
            keys.withUnsafeMutableBufferPointer { keys in
                for i in 0..<count {
                    // -0 and +0 compare equal, so they share a key.
                    let bits = values[i] == 0 ? 0 : values[i].bitPattern
                    keys[i] = bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
                }
            }
        }
        var counts = [Int](repeating: 0, count: 256)
        for shift in stride(from: UInt32(0), to: 32, by: 8) {
            let moved = counts.withUnsafeMutableBufferPointer { counts -> Bool in
                counts.update(repeating: 0)
                keys.withUnsafeBufferPointer { keys in
                    for key in keys { counts[Int(truncatingIfNeeded: key >> shift) & 255] += 1 }
                }
                // Every key has this digit: the pass would not move anything.
                if counts.contains(count) { return false }
                var start = 0
                for digit in 0..<256 {
                    let size = counts[digit]
                    counts[digit] = start
                    start += size
                }
                values.withUnsafeBufferPointer { values in
                    keys.withUnsafeBufferPointer { keys in
                        otherValues.withUnsafeMutableBufferPointer { otherValues in
                            otherKeys.withUnsafeMutableBufferPointer { otherKeys in
                                for i in 0..<count {
                                    let digit = Int(truncatingIfNeeded: keys[i] >> shift) & 255
                                    let slot = counts[digit]
                                    counts[digit] = slot + 1
                                    otherKeys[slot] = keys[i]
                                    otherValues[slot] = values[i]
                                }
                            }
                        }
                    }
                }
                return true
            }
            if moved {
                // Swapping arrays swaps their buffers; nothing is copied.
                swap(&keys, &otherKeys)
                swap(&values, &otherValues)
            }
        }
    }

    /// The bin of one value of one feature.
    @inline(__always)
    func bin(_ value: Float, feature: Int) -> UInt8 {
        if value.isNaN { return 0 }
        let spec = features[feature]
        if let categoryCount = spec.categoryCount {
            let code = Int(value)
            return code >= 0 && code < categoryCount ? UInt8(code + 1) : 0
        }
        return spec.edges.withUnsafeBufferPointer { edges in
            // Number of edges strictly below the value.
            var low = 0, high = edges.count
            while low < high {
                let middle = (low + high) >> 1
                if edges[middle] < value { low = middle + 1 } else { high = middle }
            }
            return UInt8(low + 1)
        }
    }

    /// Bins every row of a table into a row-major matrix.
    func binRows(of table: Table) -> BinnedRows {
        let rows = table.rowCount, width = table.featureCount
        var bins = [UInt8](repeating: 0, count: rows * width)
        bins.withUnsafeMutableBufferPointer { buffer in
            let output = UncheckedSendable(buffer.baseAddress!)
            ParallelWork.forRanges(rows, minimumChunk: 4096) { range in
                for feature in 0..<width {
                    table.columns[feature].withUnsafeBufferPointer { column in
                        for row in range {
                            output.value[row * width + feature] = bin(column[row], feature: feature)
                        }
                    }
                }
            }
        }
        return BinnedRows(rowCount: rows, featureCount: width, bins: bins)
    }

    /// The threshold that sends bins 1…`splitBin` left: values <= threshold go left.
    func threshold(feature: Int, splitBin: Int) -> Float {
        features[feature].edges[splitBin - 1]
    }
}

/// Binned features, row-major: `bins[row * featureCount + feature]`, so that building a
/// histogram over a node's rows reads each row's bins contiguously.
struct BinnedRows: Sendable {
    var rowCount: Int
    var featureCount: Int
    var bins: [UInt8]
}
