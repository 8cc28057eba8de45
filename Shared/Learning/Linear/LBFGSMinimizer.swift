/// Limited-memory BFGS with a backtracking (Armijo) line search, for the smooth convex
/// losses of the linear models.
struct LBFGSMinimizer {
    var history = 10
    var maxIterations = 200
    /// Stop when the gradient's largest component falls below this.
    var gradientTolerance = 1e-6

    /// Minimises `objective`, which returns the loss at a point and writes its gradient.
    func minimize(start: [Double], objective: ([Double], inout [Double]) -> Double) -> [Double] {
        let n = start.count
        var x = start
        var gradient = [Double](repeating: 0, count: n)
        var loss = objective(x, &gradient)
        var steps: [[Double]] = [], changes: [[Double]] = [], rhos: [Double] = []
        for _ in 0..<maxIterations {
            if gradient.map(abs).max() ?? 0 < gradientTolerance { break }
            // Two-loop recursion: direction = -H * gradient.
            var q = gradient
            var alphas = [Double](repeating: 0, count: steps.count)
            for i in stride(from: steps.count - 1, through: 0, by: -1) {
                alphas[i] = rhos[i] * dot(steps[i], q)
                for j in 0..<n { q[j] -= alphas[i] * changes[i][j] }
            }
            if let lastStep = steps.last, let lastChange = changes.last {
                let scale = dot(lastStep, lastChange) / dot(lastChange, lastChange)
                for j in 0..<n { q[j] *= scale }
            }
            for i in 0..<steps.count {
                let beta = rhos[i] * dot(changes[i], q)
                for j in 0..<n { q[j] += steps[i][j] * (alphas[i] - beta) }
            }
            var direction = q.map { -$0 }
            var slope = dot(direction, gradient)
            if slope >= 0 {
                // Not a descent direction (curvature information went stale): steepest descent.
                direction = gradient.map { -$0 }
                slope = dot(direction, gradient)
                steps.removeAll()
                changes.removeAll()
                rhos.removeAll()
            }
            var stepSize = steps.isEmpty ? min(1, 1 / max(1e-12, (gradient.map { $0 * $0 }.reduce(0, +)).squareRoot())) : 1
            var candidate = x
            var candidateGradient = gradient
            var candidateLoss = loss
            var accepted = false
            for _ in 0..<40 {
                for j in 0..<n { candidate[j] = x[j] + stepSize * direction[j] }
                candidateLoss = objective(candidate, &candidateGradient)
                if candidateLoss <= loss + 1e-4 * stepSize * slope {
                    accepted = true
                    break
                }
                stepSize *= 0.5
            }
            if !accepted { break }
            let step = (0..<n).map { candidate[$0] - x[$0] }
            let change = (0..<n).map { candidateGradient[$0] - gradient[$0] }
            let curvature = dot(step, change)
            if curvature > 1e-12 {
                steps.append(step)
                changes.append(change)
                rhos.append(1 / curvature)
                if steps.count > history {
                    steps.removeFirst()
                    changes.removeFirst()
                    rhos.removeFirst()
                }
            }
            let improvement = loss - candidateLoss
            x = candidate
            gradient = candidateGradient
            loss = candidateLoss
            if improvement < 1e-12 * max(1, abs(loss)) { break }
        }
        return x
    }

    private func dot(_ a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0
        for i in a.indices { sum += a[i] * b[i] }
        return sum
    }
}
