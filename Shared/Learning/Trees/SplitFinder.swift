/// The best split of a node, found by scanning its histogram.
struct SplitCandidate: Sendable {
    var gain: Double
    var feature: Int
    var splitBin: Int
    var categorical: BinSet?
    var defaultLeft: Bool
    var leftG: Double
    var leftH: Double
}

/// Evaluates every split point of every (sampled) feature of a node and keeps the best:
/// gain = G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ), both children with hessian ≥ min child
/// weight, gain > γ. Missing values (bin 0) are tried on both sides; when a node has none,
/// the default direction is the child with the larger hessian sum.
struct SplitFinder: Sendable {
    var lambda: Double
    var gamma: Double
    var minChildWeight: Double
    var binCounts: [Int]
    var isCategorical: [Bool]

    @inline(__always)
    func score(_ g: Double, _ h: Double) -> Double { g * g / (h + lambda) }

    /// Both children's scores in one vector division: lane by lane the same IEEE operations
    /// as ``score(_:_:)``, so the same bits.
    @inline(__always)
    func scores(_ g: SIMD2<Double>, _ h: SIMD2<Double>) -> Double {
        let children = g * g / (h + SIMD2(repeating: lambda))
        return children.x + children.y
    }

    /// The best split of a node from its histogram.
    func best(
        hist: UnsafePointer<SIMD2<Double>>, sumG: Double, sumH: Double, features: [Int]
    ) -> SplitCandidate? {
        let parentScore = score(sumG, sumH)
        var best: SplitCandidate?
        var bestGain = max(gamma, 1e-6)
        for feature in features {
            let base = hist + (feature << 8)
            let binCount = binCounts[feature]
            if binCount < 3 { continue }  // Fewer than two value bins: nothing to split.
            let missing = base[0]
            // Subtraction leaves rounding noise in empty bins, hence a tolerance.
            let hasMissing = missing.y > 1e-12
            if isCategorical[feature] {
                categoricalBest(
                    base: base, binCount: binCount, feature: feature, sumG: sumG, sumH: sumH,
                    parentScore: parentScore, missing: missing, hasMissing: hasMissing, best: &best,
                    bestGain: &bestGain)
                continue
            }
            var leftG = 0.0, leftH = 0.0
            for bin in 1..<(binCount - 1) {
                let entry = base[bin]
                leftG += entry.x
                leftH += entry.y
                // Missing goes right.
                let rightG = sumG - leftG, rightH = sumH - leftH
                if leftH >= minChildWeight && rightH >= minChildWeight {
                    let gain = scores(SIMD2(leftG, rightG), SIMD2(leftH, rightH)) - parentScore
                    if gain > bestGain {
                        bestGain = gain
                        best = SplitCandidate(
                            gain: gain, feature: feature, splitBin: bin, categorical: nil,
                            defaultLeft: hasMissing ? false : leftH > rightH, leftG: leftG, leftH: leftH)
                    }
                }
                if hasMissing {
                    let missingLeftG = leftG + missing.x, missingLeftH = leftH + missing.y
                    let otherG = sumG - missingLeftG, otherH = sumH - missingLeftH
                    if missingLeftH >= minChildWeight && otherH >= minChildWeight {
                        let gain = scores(SIMD2(missingLeftG, otherG), SIMD2(missingLeftH, otherH)) - parentScore
                        if gain > bestGain {
                            bestGain = gain
                            best = SplitCandidate(
                                gain: gain, feature: feature, splitBin: bin, categorical: nil, defaultLeft: true,
                                leftG: missingLeftG, leftH: missingLeftH)
                        }
                    }
                }
            }
        }
        return best
    }

    /// Categorical split: categories sorted by G/(H+λ), the best prefix goes left.
    private func categoricalBest(
        base: UnsafePointer<SIMD2<Double>>, binCount: Int, feature: Int, sumG: Double, sumH: Double,
        parentScore: Double, missing: SIMD2<Double>, hasMissing: Bool, best: inout SplitCandidate?,
        bestGain: inout Double
    ) {
        var present: [(bin: Int, ratio: Double)] = []
        for bin in 1..<binCount where base[bin].y > 0 {
            present.append((bin, base[bin].x / (base[bin].y + lambda)))
        }
        if present.count < 2 { return }
        present.sort { $0.ratio == $1.ratio ? $0.bin < $1.bin : $0.ratio < $1.ratio }
        var leftG = 0.0, leftH = 0.0
        var bestPrefix = -1
        var bestDefaultLeft = false
        for prefix in 0..<(present.count - 1) {
            let entry = base[present[prefix].bin]
            leftG += entry.x
            leftH += entry.y
            for missingLeft in hasMissing ? [false, true] : [false] {
                let lg = leftG + (missingLeft ? missing.x : 0), lh = leftH + (missingLeft ? missing.y : 0)
                let rg = sumG - lg, rh = sumH - lh
                guard lh >= minChildWeight && rh >= minChildWeight else { continue }
                let gain = score(lg, lh) + score(rg, rh) - parentScore
                if gain > bestGain {
                    bestGain = gain
                    bestPrefix = prefix
                    bestDefaultLeft = hasMissing ? missingLeft : lh > rh
                }
            }
        }
        guard bestPrefix >= 0 else { return }
        var set = BinSet()
        var lg = 0.0, lh = 0.0
        for entry in present[...bestPrefix] {
            set.insert(entry.bin)
            lg += base[entry.bin].x
            lh += base[entry.bin].y
        }
        if hasMissing && bestDefaultLeft {
            lg += missing.x
            lh += missing.y
        }
        best = SplitCandidate(
            gain: bestGain, feature: feature, splitBin: 0, categorical: set, defaultLeft: bestDefaultLeft,
            leftG: lg, leftH: lh)
    }
}
