import Edge
import Foundation
import LifelongCore
import LifelongProto
import RPCCore
import ProcessTestSupport
import ServiceHostTesting
import Testing

extension EdgeSuites {
    @Suite("The Open Inference Protocol (KServe V2) on the edge's port")
    struct OpenInferenceTests {
        let fixtures = EdgeFixtures.shared

        @Test("Before any snapshot: live and metadata answer, not ready, ModelInfer UNAVAILABLE")
        func notReady() async throws {
            try await TemporaryStore.with { path async throws in
                try await EdgeHarness.withEdge(path: path) { node async throws in
                    let v2 = node.openInference
                    #expect(try await v2.serverLive(Inference_ServerLiveRequest()).live)
                    #expect(try await v2.serverReady(Inference_ServerReadyRequest()).ready == false)
                    #expect(try await v2.serverMetadata(Inference_ServerMetadataRequest()).name == "lifelong-edge")
                    var ready = Inference_ModelReadyRequest()
                    ready.name = EdgeFixtures.jobId
                    #expect(try await v2.modelReady(ready).ready == false)
                    var infer = Inference_ModelInferRequest()
                    infer.modelName = EdgeFixtures.jobId
                    let error = await #expect(throws: RPCError.self) { try await v2.modelInfer(infer) }
                    #expect(error?.code == .unavailable)
                    #expect(error?.message.contains("no snapshot was synced yet") == true)
                }
            }
        }

        @Test("tritonclient calls every V2 method; our .proto matches the descriptors it ships")
        func tritonclient() async throws {
            try await TemporaryStore.with { path async throws in
                try EdgeFixtures.install(fixtures.v1, version: 1, into: try EdgeStore(path: path))
                let known = fixtures.known
                let fresh = fixtures.newSites
                let rows = (0..<6).map { (known, $0) } + (0..<3).map { (fresh, $0) }
                let features = rows.map { set, row in set.table.features(ofRow: row) }
                let attributes = rows.map { set, row in set.attributes[row] }
                let predictions = try zip(features, attributes).map { try fixtures.v1.predict(features: $0, attributes: $1) }
                let cases: [String: Any] = [
                    "version": "1", "features": features.map { $0.map(Double.init) }, "attributes": attributes,
                    "expected": [
                        "class": predictions.map(\.predictedClass), "task": predictions.map { $0.task ?? "" },
                        "unseen": predictions.map(\.unseen), "probabilities": predictions.map { $0.probabilities.map(Double.init) },
                    ],
                ]
                let file = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("cases.json")
                try JSONSerialization.data(withJSONObject: cases).write(to: file)
                let output = try await EdgeHarness.withEdge(path: path) { node async throws in
                    try await TritonPeer.run([
                        "--port", "\(node.host.port)", "--model", EdgeFixtures.jobId, "--cases", file.path,
                        "--proto-root", TestProcess.repositoryRoot.appendingPathComponent("Proto").path,
                        "--token-file", TestServiceHost.tokens.tokenFile(.reader),
                    ])
                }
                #expect(output.contains("\"checks\""), "\(output)")
                #expect(predictions.suffix(3).allSatisfy { $0.unseen })
            }
        }

        @Test("Tensors in `contents` instead of raw bytes; wrong model name or version NOT_FOUND; malformed tensors named")
        func contentsAndNames() async throws {
            let set = fixtures.known
            var request = Inference_ModelInferRequest()
            request.modelName = EdgeFixtures.jobId
            var features = Inference_ModelInferRequest.InferInputTensor()
            features.name = "features"
            features.datatype = "FP32"
            features.shape = [2, 6]
            var contents = Inference_InferTensorContents()
            contents.fp32Contents = set.table.features(ofRow: 0) + set.table.features(ofRow: 1)
            features.contents = contents
            var attributes = Inference_ModelInferRequest.InferInputTensor()
            attributes.name = "attributes"
            attributes.datatype = "BYTES"
            attributes.shape = [2, 2]
            var names = Inference_InferTensorContents()
            names.bytesContents = (set.attributes[0] + set.attributes[1]).map { Array($0.utf8) }
            attributes.contents = names
            request.inputs = [features, attributes]
            try await EdgeHarness.withServing(fixtures.v1) { node async throws in
                let response = try await node.openInference.modelInfer(request)
                #expect(response.outputs.map(\.name) == ["probabilities", "class", "task", "unseen", "unseen_detectors", "allocation_confidence"])
                #expect(response.rawOutputContents[1].count == 16)
                var wrongName = request
                wrongName.modelName = "other"
                let notFound = await #expect(throws: RPCError.self) { try await node.openInference.modelInfer(wrongName) }
                #expect(notFound?.code == .notFound)
                var wrongVersion = request
                wrongVersion.modelVersion = "7"
                let noVersion = await #expect(throws: RPCError.self) { try await node.openInference.modelInfer(wrongVersion) }
                #expect(noVersion?.code == .notFound)
                var short = request
                short.inputs[0].contents?.fp32Contents.removeLast()
                let shortError = await #expect(throws: RPCError.self) { try await node.openInference.modelInfer(short) }
                #expect(shortError?.message.hasPrefix("input 'features': shape [2, 6] needs 12 values, got 11") == true)
                var oneRaw = request
                oneRaw.rawInputContents = [[0, 0, 0, 0]]
                let rawError = await #expect(throws: RPCError.self) { try await node.openInference.modelInfer(oneRaw) }
                #expect(rawError?.message.hasPrefix("raw_input_contents: 1 entries for 2 inputs") == true)
                var truncated = request
                truncated.inputs[0].contents = nil
                truncated.inputs[1].contents = nil
                truncated.rawInputContents = [
                    (set.table.features(ofRow: 0) + set.table.features(ofRow: 1)).flatMap { value in
                        withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) }
                    },
                    [9, 0, 0, 0, 65],
                ]
                let bytesError = await #expect(throws: RPCError.self) { try await node.openInference.modelInfer(truncated) }
                #expect(bytesError?.message == "input 'attributes': truncated BYTES element")
                var noFeatures = request
                noFeatures.inputs.removeFirst()
                let missing = await #expect(throws: RPCError.self) { try await node.openInference.modelInfer(noFeatures) }
                #expect(missing?.message.hasPrefix("inputs: missing input 'features'") == true)
            }
        }
    }
}
