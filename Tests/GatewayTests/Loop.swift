import LifelongProto
import RPCCore

/// Calls the loop tests make.
enum Loop {
    static func ingest(_ samples: [Lifelong_V1_Sample], gateway: Lifelong_V1_Gateway.Client) async throws -> Lifelong_V1_AddSamplesResponse {
        try await gateway.ingestSamples { writer in
            for start in stride(from: 0, to: samples.count, by: 100) {
                var batch = Lifelong_V1_SampleBatch()
                batch.samples = Array(samples[start..<min(start + 100, samples.count)])
                try await writer.write(batch)
            }
        }
    }

    /// Waits until the job completed `rounds` rounds and is waiting again.
    static func waitForRounds(
        _ rounds: Int32, job: String, gateway: Lifelong_V1_Gateway.Client, allowingFailures: Bool = false
    ) async throws -> Lifelong_V1_Job {
        var request = Lifelong_V1_GetJobRequest()
        request.jobId = job
        let message = request
        return try await Eventually.value("round \(rounds) of job \(job)", timeout: .seconds(240)) {
            let job = try await gateway.getJob(message)
            if job.state == .failed, !allowingFailures { throw Eventually.TimedOut(description: "the round failed: \(job.lastError)") }
            return job.roundsCompleted >= rounds && job.state == .waiting ? job : nil
        }
    }

    static func waitForVersion(_ version: Int64, edge: Lifelong_V1_EdgeInference.Client) async throws {
        _ = try await Eventually.value("an edge serving version \(version)") { () -> Bool? in
            try await edge.getStatus(Lifelong_V1_GetStatusRequest()).snapshotVersion >= version ? true : nil
        }
    }

    static func infer(_ samples: [Lifelong_V1_Sample], edge: Lifelong_V1_EdgeInference.Client) async throws -> Lifelong_V1_InferResponse {
        var response = Lifelong_V1_InferResponse()
        for start in stride(from: 0, to: samples.count, by: 50) {
            var request = Lifelong_V1_InferRequest()
            request.inputs = samples[start..<min(start + 50, samples.count)].map(LoopScenario.input)
            response.predictions += try await edge.infer(request).predictions
        }
        return response
    }

    /// The share of samples whose prediction at the edge is their label.
    static func accuracy(_ samples: [Lifelong_V1_Sample], edge: Lifelong_V1_EdgeInference.Client) async throws -> Double {
        let predictions = try await infer(samples, edge: edge).predictions
        let correct = zip(samples, predictions).filter { $0.label?.classIndex == $1.classIndex }.count
        return Double(correct) / Double(max(1, samples.count))
    }

    static func unlabelled(job: String, gateway: Lifelong_V1_Gateway.Client) async throws -> [Lifelong_V1_Sample] {
        var request = Lifelong_V1_ListSamplesRequest()
        request.jobId = job
        return try await gateway.listUnlabelled(request) { batches in
            var samples: [Lifelong_V1_Sample] = []
            for try await batch in batches.messages { samples += batch.samples }
            return samples
        }
    }
}

extension Loop {
    /// A sample's key as its source gave it: edges store uploads under `<node>/<key>`.
    static func originalKey(_ sample: Lifelong_V1_Sample) -> String {
        let prefix = sample.edgeNode + "/"
        return sample.key.hasPrefix(prefix) ? String(sample.key.dropFirst(prefix.count)) : sample.key
    }
}
