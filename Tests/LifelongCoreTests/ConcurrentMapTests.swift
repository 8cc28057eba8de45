@testable import LifelongCore
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
}
