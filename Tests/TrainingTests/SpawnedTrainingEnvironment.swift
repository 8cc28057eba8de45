import Foundation

/// How spawned `lifelong-training` processes find the environment's task mining: they inherit
/// this test process's environment, so `LIFELONG_TRAINING_TASKMINING_ADDRESS` is set to it
/// while an environment that spawns processes runs. Such environments take turns, so every
/// process sees the address of its own environment's task mining (which reads its own KB).
actor SpawnedTrainingEnvironment {
    static let shared = SpawnedTrainingEnvironment()
    static let variable = "LIFELONG_TRAINING_TASKMINING_ADDRESS"

    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// Runs `body` with the variable naming `taskMiningPort` on loopback, one environment at a time.
    func with<T: Sendable>(taskMiningPort: Int, _ body: @Sendable () async throws -> T) async throws -> T {
        while busy { await withCheckedContinuation { waiting.append($0) } }
        busy = true
        setenv(Self.variable, "127.0.0.1:\(taskMiningPort)", 1)
        defer {
            unsetenv(Self.variable)
            busy = false
            if !waiting.isEmpty { waiting.removeFirst().resume() }
        }
        return try await body()
    }
}
