public import ServiceLifecycle

extension TrainingWorker: Service, CustomStringConvertible {
    public var description: String { "TrainingWorker(\(configuration.workerID))" }

    /// Claims and works until the service group shuts down; a unit in progress is stopped at
    /// its next boosting round and given back to the queue for another worker.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.work()
        }
    }
}
