public import LifelongProto
public import RPCCore
import Synchronization

/// `grpc.health.v1.Health`: the serving status of the server ("") and of each service, as
/// set by the application; Watch streams the status now and at every change.
public final class HealthService: Grpc_Health_V1_Health.SimpleServiceProtocol, Sendable {
    /// A serving status.
    public typealias Status = Grpc_Health_V1_HealthCheckResponse.ServingStatus

    private struct State {
        var statuses: [String: Status]
        var watchers: [Int: (service: String, continuation: AsyncStream<Status>.Continuation)] = [:]
        var nextWatcher = 0
    }

    private let state: Mutex<State>

    /// Creates the service with the server ("") and the given services SERVING.
    public init(servingServices: [String] = []) {
        var statuses: [String: Status] = ["": .serving]
        for service in servingServices { statuses[service] = .serving }
        state = Mutex(State(statuses: statuses))
    }

    /// Sets the status of a service ("" = the whole server) and notifies its watchers.
    public func setStatus(_ status: Status, forService service: String) {
        let watchers = state.withLock { state in
            state.statuses[service] = status
            return state.watchers.values.filter { $0.service == service }.map(\.continuation)
        }
        for watcher in watchers { watcher.yield(status) }
    }

    /// The status of a service, nil when unknown.
    public func status(ofService service: String) -> Status? {
        state.withLock { $0.statuses[service] }
    }

    public func check(
        request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext
    ) async throws -> Grpc_Health_V1_HealthCheckResponse {
        guard let status = status(ofService: request.service) else {
            throw RPCError(code: .notFound, message: "unknown service '\(request.service)'")
        }
        var response = Grpc_Health_V1_HealthCheckResponse()
        response.status = status
        return response
    }

    public func watch(
        request: Grpc_Health_V1_HealthCheckRequest, response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>,
        context: ServerContext
    ) async throws {
        let (updates, continuation) = AsyncStream<Status>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let (id, current) = state.withLock { state in
            let id = state.nextWatcher
            state.nextWatcher += 1
            state.watchers[id] = (request.service, continuation)
            return (id, state.statuses[request.service] ?? .serviceUnknown)
        }
        defer { _ = state.withLock { $0.watchers.removeValue(forKey: id) } }
        var message = Grpc_Health_V1_HealthCheckResponse()
        message.status = current
        try await response.write(message)
        var last = current
        for await status in updates where status != last {
            last = status
            message.status = status
            try await response.write(message)
        }
        try Task.checkCancellation()
    }
}
