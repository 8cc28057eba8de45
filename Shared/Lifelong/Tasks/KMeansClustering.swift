import LifelongLearning

/// k-means++ clustering with k chosen by the mean silhouette coefficient in a range.
///
/// Points are rows of already standardized coordinates. Seeding is k-means++ (each next
/// centre drawn with probability proportional to its squared distance to the nearest centre
/// so far); Lloyd iterations run until no point changes cluster. For each k in the range the
/// best of `restarts` runs (lowest inertia) is kept; the k with the highest mean silhouette
/// wins (ties: smaller k). Silhouette is computed on at most `silhouetteSampleSize` points.
public struct KMeansClustering: Sendable {
    /// The result of one clustering.
    public struct Result: Sendable, Hashable {
        /// Cluster centres.
        public var centroids: [[Double]]
        /// Cluster of each point.
        public var assignments: [Int]
        /// Mean silhouette coefficient (−1…1; 0 for k = 1).
        public var silhouette: Double
        /// Silhouette of every k tried.
        public var silhouetteByK: [Int: Double]
    }

    /// Candidate cluster counts.
    public var kRange: ClosedRange<Int>
    /// Runs per k.
    public var restarts: Int = 3
    /// Lloyd iterations per run at most.
    public var maxIterations: Int = 100
    /// Points used for the silhouette.
    public var silhouetteSampleSize: Int = 600
    /// Seed of seeding and sampling.
    public var seed: UInt64

    /// Creates a clustering configuration.
    public init(kRange: ClosedRange<Int>, seed: UInt64 = 0) {
        self.kRange = kRange
        self.seed = seed
    }

    /// Clusters the points.
    /// - Throws: `LifelongError.emptyData` without points, `.invalidParameter` for k < 1.
    public func fit(_ points: [[Double]]) throws -> Result {
        guard !points.isEmpty else { throw LifelongError(.emptyData, "no points to cluster") }
        guard kRange.lowerBound >= 1 else {
            throw LifelongError(.invalidParameter, "k must be at least 1", field: "kRange")
        }
        var random = SeededGenerator(seed: seed)
        var sample = Array(points.indices)
        if sample.count > silhouetteSampleSize {
            sample.shuffle(using: &random)
            sample = Array(sample.prefix(silhouetteSampleSize))
        }
        var best: Result?
        var scores: [Int: Double] = [:]
        for k in kRange where k <= points.count {
            var bestRun: (centroids: [[Double]], assignments: [Int], inertia: Double)?
            for _ in 0..<max(1, restarts) {
                let run = lloyd(points, k: k, random: &random)
                if bestRun == nil || run.inertia < bestRun!.inertia { bestRun = run }
            }
            let run = bestRun!
            let score = k == 1 ? 0 : Self.silhouette(points, assignments: run.assignments, k: k, sample: sample)
            scores[k] = score
            if best == nil || score > best!.silhouette + 1e-12 {
                best = Result(centroids: run.centroids, assignments: run.assignments, silhouette: score, silhouetteByK: [:])
            }
        }
        guard var result = best else {
            throw LifelongError(.invalidParameter, "k range \(kRange) exceeds the \(points.count) points", field: "kRange")
        }
        result.silhouetteByK = scores
        return result
    }

    func lloyd(_ points: [[Double]], k: Int, random: inout SeededGenerator) -> (centroids: [[Double]], assignments: [Int], inertia: Double) {
        // k-means++ seeding.
        var centroids = [points[Int(random.next() % UInt64(points.count))]]
        var nearest = points.map { Self.squaredDistance($0, centroids[0]) }
        while centroids.count < k {
            let total = nearest.reduce(0, +)
            var pick = points.count - 1
            if total > 0 {
                var target = random.unit() * total
                for (index, d) in nearest.enumerated() {
                    target -= d
                    if target <= 0 { pick = index; break }
                }
            } else {
                pick = Int(random.next() % UInt64(points.count))
            }
            centroids.append(points[pick])
            for index in points.indices {
                nearest[index] = min(nearest[index], Self.squaredDistance(points[index], points[pick]))
            }
        }
        var assignments = [Int](repeating: -1, count: points.count)
        let width = points[0].count
        for _ in 0..<maxIterations {
            var changed = false
            for (index, point) in points.enumerated() {
                let cluster = Self.nearest(point, centroids).index
                if cluster != assignments[index] { assignments[index] = cluster; changed = true }
            }
            if !changed { break }
            var sums = [[Double]](repeating: [Double](repeating: 0, count: width), count: k)
            var counts = [Int](repeating: 0, count: k)
            for (index, point) in points.enumerated() {
                counts[assignments[index]] += 1
                for f in 0..<width { sums[assignments[index]][f] += point[f] }
            }
            for c in 0..<k where counts[c] > 0 { centroids[c] = sums[c].map { $0 / Double(counts[c]) } }
        }
        let inertia = points.indices.reduce(0.0) { $0 + Self.squaredDistance(points[$1], centroids[assignments[$1]]) }
        return (centroids, assignments, inertia)
    }

    /// The mean silhouette over the sampled points.
    static func silhouette(_ points: [[Double]], assignments: [Int], k: Int, sample: [Int]) -> Double {
        var total = 0.0
        for i in sample {
            var sums = [Double](repeating: 0, count: k), counts = [Int](repeating: 0, count: k)
            for j in sample where j != i {
                sums[assignments[j]] += squaredDistance(points[i], points[j]).squareRoot()
                counts[assignments[j]] += 1
            }
            let own = assignments[i]
            guard counts[own] > 0 else { continue }  // a singleton's silhouette is 0
            let a = sums[own] / Double(counts[own])
            var b = Double.infinity
            for c in 0..<k where c != own && counts[c] > 0 { b = min(b, sums[c] / Double(counts[c])) }
            guard b.isFinite else { continue }
            total += (b - a) / max(a, b, 1e-12)
        }
        return total / Double(sample.count)
    }

    /// The nearest centroid and its squared distance.
    static func nearest(_ point: [Double], _ centroids: [[Double]]) -> (index: Int, distance: Double) {
        var best = 0, bestDistance = Double.infinity
        for (index, centroid) in centroids.enumerated() {
            let d = squaredDistance(point, centroid)
            if d < bestDistance { best = index; bestDistance = d }
        }
        return (best, bestDistance)
    }

    /// The squared Euclidean distance between two points of equal width.
    public static func squaredDistance(_ a: [Double], _ b: [Double]) -> Double {
        var total = 0.0
        for f in a.indices { let d = a[f] - b[f]; total += d * d }
        return total
    }
}
