/// Gradient/hessian histograms of tree nodes over binned rows.
///
/// A histogram holds, per feature, 256 bins of (gradient sum, hessian sum) as
/// `SIMD2<Double>`, at `hist[feature << 8 | bin]`. Large nodes are cut into row blocks built
/// in parallel into separate buffers and summed in a fixed order, so results do not depend
/// on the number of cores or on scheduling.
enum HistogramBuilder {
    /// Bins per feature in a histogram (the bin index is a UInt8).
    static let binsPerFeature = 256
    /// Rows per parallel block of a large node.
    static let blockRows = 16_384
    /// Blocks per node at most (bounds the scratch buffers to sum).
    static let maximumBlocks = 8

    /// How many blocks a node of `count` rows is built in.
    static func blockCount(rows count: Int) -> Int {
        max(1, min(maximumBlocks, (count + blockRows - 1) / blockRows))
    }

    /// Adds the gradient pairs of `rows` into `hist` (which is not cleared).
    /// - Parameters:
    ///   - features: The features to build, or nil for all `width` features.
    ///   - sink: A scratch byte of the caller's that the look-ahead loads are written to.
    @inline(__always)
    static func accumulate(
        rows: UnsafePointer<UInt32>, count: Int, bins: UnsafePointer<UInt8>, width: Int,
        gradients: UnsafePointer<SIMD2<Float>>, features: UnsafeBufferPointer<Int>?,
        into hist: UnsafeMutablePointer<SIMD2<Double>>, sink: UnsafeMutablePointer<UInt8>
    ) {
        if let features {
            for i in 0..<count {
                let row = Int(rows[i])
                let pair = gradients[row]
                let gh = SIMD2<Double>(Double(pair.x), Double(pair.y))
                let rowBins = bins + row &* width
                for feature in features {
                    hist[feature &<< 8 | Int(rowBins[feature])] += gh
                }
            }
            return
        }
        let unrolled = width & ~3
        // Rows of a deep node are scattered over the matrix; touching a row a few iterations
        // ahead starts its cache misses early (a load whose value feeds only `touched`).
        let ahead = 12
        var touched: UInt8 = 0
        for i in 0..<count {
            if i &+ ahead < count {
                let future = Int(rows[i &+ ahead])
                touched |= bins[future &* width] &+ UInt8(truncatingIfNeeded: gradients[future].x.bitPattern)
            }
            let row = Int(rows[i])
            let pair = gradients[row]
            let gh = SIMD2<Double>(Double(pair.x), Double(pair.y))
            let rowBins = bins + row &* width
            var feature = 0
            while feature < unrolled {
                let b0 = Int(rowBins[feature]), b1 = Int(rowBins[feature &+ 1])
                let b2 = Int(rowBins[feature &+ 2]), b3 = Int(rowBins[feature &+ 3])
                hist[feature &<< 8 | b0] += gh
                hist[(feature &+ 1) &<< 8 | b1] += gh
                hist[(feature &+ 2) &<< 8 | b2] += gh
                hist[(feature &+ 3) &<< 8 | b3] += gh
                feature &+= 4
            }
            while feature < width {
                hist[feature &<< 8 | Int(rowBins[feature])] += gh
                feature &+= 1
            }
        }
        // An observable store (to the caller's scratch byte) keeps the look-ahead loads.
        sink.pointee = touched
    }

    /// `target[i] -= subtrahend[i]` over a whole histogram (the sibling trick: a parent's
    /// histogram minus its smaller child's is the larger child's).
    static func subtract(
        _ subtrahend: UnsafePointer<SIMD2<Double>>, from target: UnsafeMutablePointer<SIMD2<Double>>, count: Int
    ) {
        for i in 0..<count { target[i] -= subtrahend[i] }
    }

    /// `target[i] += addend[i]` over a whole histogram.
    static func add(_ addend: UnsafePointer<SIMD2<Double>>, to target: UnsafeMutablePointer<SIMD2<Double>>, count: Int) {
        for i in 0..<count { target[i] += addend[i] }
    }
}

/// A free list of histogram buffers, reused across nodes and trees. Used from the thread
/// that drives tree growth only; parallel work receives buffers already taken.
final class HistogramPool {
    let size: Int
    private var free: [UnsafeMutablePointer<SIMD2<Double>>] = []
    private var all: [UnsafeMutablePointer<SIMD2<Double>>] = []

    init(featureCount: Int) {
        size = featureCount * HistogramBuilder.binsPerFeature
    }

    func take() -> UnsafeMutablePointer<SIMD2<Double>> {
        if let buffer = free.popLast() { return buffer }
        let buffer = UnsafeMutablePointer<SIMD2<Double>>.allocate(capacity: size)
        all.append(buffer)
        return buffer
    }

    func give(_ buffer: UnsafeMutablePointer<SIMD2<Double>>) {
        free.append(buffer)
    }

    deinit {
        for buffer in all { buffer.deallocate() }
    }
}
