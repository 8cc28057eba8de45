@testable import LifelongCore
import LifelongLearning
import Testing

@Suite("concurrentMap: a grid search's trainings spread over the cores")
struct ConcurrentMapTests {
    struct Failure: Error, Equatable { let index: Int }

    @Test("results come back in the elements' order, as a serial map's")
    func order() throws {
        let items = Array(0..<200)
        #expect(try items.concurrentMap { $0 * $0 } == items.map { $0 * $0 })
        #expect(try [Int]().concurrentMap { $0 }.isEmpty)
    }

    @Test("the first error in element order is rethrown")
    func firstError() {
        #expect(throws: Failure(index: 3)) {
            try Array(0..<50).concurrentMap { index -> Int in
                if index == 3 || index == 40 { throw Failure(index: index) }
                return index
            }
        }
    }

    @Test("every element sees the caller's boosting observer, on whichever thread it runs")
    func observerFollows() throws {
        let observer = BoostingObserver { _, _ in }
        // Enough elements, each busy long enough, that Dispatch's worker threads take some.
        let seen = try BoostingObserver.$current.withValue(observer) {
            try Array(0..<64).concurrentMap { _ -> Bool in
                var spin = 0.0
                for i in 0..<20_000 { spin += Double(i).squareRoot() }
                return spin > 0 && BoostingObserver.current != nil
            }
        }
        #expect(seen.allSatisfy { $0 }, "\(seen.filter { !$0 }.count) of 64 elements ran without the observer")
        #expect(try Array(0..<8).concurrentMap { _ in BoostingObserver.current == nil }.allSatisfy { $0 })
    }
}
