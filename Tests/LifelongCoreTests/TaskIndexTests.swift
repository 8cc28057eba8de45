import ContentDigest
import LifelongCore
import LifelongLearning
import LifelongProto
import Testing
@testable import LifelongCore

@Suite("Task index, allocation and its protobuf form")
struct TaskIndexTests {
    @Test("SHA-256 matches the FIPS 180-4 test vectors")
    func sha256() {
        #expect(SHA256Digest.hex(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256Digest.hex(of: []) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SHA256Digest.hex(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("snapshot round trip: same tasks, routes, detectors, and identical predictions")
    func roundTrip() throws {
        let learner = try Fixtures.initialLearner()
        let index = try #require(learner.index)
        let message = index.snapshot(jobId: "job-1", version: 3, baseVersion: 2, publishedAtUs: 99, note: "test")
        let bytes = try message.serializedBytes()
        let decoded = try Lifelong_V1_TaskIndexSnapshot(serializedBytes: bytes)
        #expect(decoded.jobId == "job-1")
        #expect(decoded.version == 3)
        let back = try TaskIndex(snapshot: decoded, models: index.modelBytes)
        #expect(back.tasks == index.tasks)
        #expect(back.allocator.kind == index.allocator.kind)
        #expect(back.allocator.routes == index.allocator.routes)
        #expect(back.allocator.centroids == index.allocator.centroids)
        #expect(back.allocator.standardizer.mean == index.allocator.standardizer.mean)
        #expect(back.allocator.standardizer.stddev == index.allocator.standardizer.stddev)
        #expect(back.detectors == index.detectors)
        #expect(back.assignments == index.assignments)
        #expect(back.relations == index.relations)
        #expect(back.groups == index.groups)
        let test = Fixtures.scenario.rounds[1].test
        #expect(try back.predict(test) == index.predict(test))
        let known = Fixtures.scenario.rounds[0].test.selecting(rows: Array(0..<200))
        #expect(try back.predict(known) == index.predict(known))
    }

    @Test("a snapshot whose model bytes are missing, or do not match their digest, is rejected")
    func missingModels() throws {
        let index = try #require(try Fixtures.initialLearner().index)
        let message = index.snapshot()
        var models = index.modelBytes
        let victim = try #require(index.assignments.first?.model)
        models[victim] = nil
        #expect { try TaskIndex(snapshot: message, models: models) } throws: {
            ($0 as? LifelongError)?.code == .missingModel
        }
        var tampered = index.modelBytes
        tampered[victim]![tampered[victim]!.count - 1] ^= 1
        #expect { try TaskIndex(snapshot: message, models: tampered) } throws: {
            ($0 as? LifelongError)?.code == .corruptIndex
        }
        var noSchema = message
        noSchema.schema = nil
        #expect(throws: LifelongError.self) { try TaskIndex(snapshot: noSchema, models: index.modelBytes) }
    }

    @Test("allocation: known attributes route to their task; wrong counts are clear errors")
    func allocation() throws {
        let index = try #require(try Fixtures.initialLearner().index)
        let row = Fixtures.scenario.rounds[0].train.table.features(ofRow: 0)
        #expect(try index.allocator.allocate(features: row, attributes: ["site-00", "summer"]) == "site-00_summer")
        #expect(try index.allocator.allocate(features: row, attributes: ["site-99", "summer"]) == nil)
        #expect { try index.predict(features: Array(row.prefix(3)), attributes: ["site-00", "summer"]) } throws: {
            ($0 as? LifelongError)?.code == .featureCountMismatch
        }
        #expect { try index.predict(features: row, attributes: ["site-00"]) } throws: {
            ($0 as? LifelongError)?.code == .featureCountMismatch
        }
        let known = try index.predict(features: row, attributes: ["site-00", "summer"])
        #expect(known.task == "site-00_summer")
        #expect(!known.flaggedBy.contains(.attributes))
        let unknown = try index.predict(features: row, attributes: ["site-99", "summer"])
        #expect(unknown.task == nil)
        #expect(unknown.unseen)
        #expect(unknown.flaggedBy.contains(.attributes))
        #expect(unknown.blended)
        #expect(abs(unknown.probabilities.reduce(0, +) - 1) < 1e-4)
    }
}
