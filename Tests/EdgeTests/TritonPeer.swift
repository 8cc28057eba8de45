import Foundation
import ProcessTestSupport

/// Runs `Tests/Interop/open_inference_client.py` with the interpreter of the tritonclient venv
/// (`$LIFELONG_TRITON_PYTHON`, else `<repo>/.venv-triton/bin/python`, which `make deps` creates:
/// tritonclient needs a newer grpcio than the one the main venv pins).
enum TritonPeer {
    static var interpreter: String {
        let configured = ProcessInfo.processInfo.environment["LIFELONG_TRITON_PYTHON"] ?? ""
        return configured.isEmpty ? TestProcess.repositoryRoot.appendingPathComponent(".venv-triton/bin/python").path : configured
    }

    /// Runs the client; returns its standard output.
    static func run(_ arguments: [String]) async throws -> String {
        let script = TestProcess.repositoryRoot.appendingPathComponent("Tests/Interop/open_inference_client.py").path
        return try await TestProcess.run(interpreter, [script] + arguments)
    }
}
