public import RPCCore

/// Which token scopes may call which methods of a service: per method, else per service,
/// else the default. Health (`grpc.health.v1.Health`) and reflection
/// (`grpc.reflection.v1.ServerReflection`, `…v1alpha…`) are open without a token: load
/// balancers and Kubernetes' gRPC probes send none, and neither reveals data.
///
/// ```swift
/// // Every method for services and operators; reads for readers too.
/// let policy = AccessPolicy(default: [.service, .admin])
///     .allowing([.reader, .service, .admin], methods: [Lifelong_V1_Gateway.Method.GetJob.descriptor])
///     .allowing([.reader, .service, .admin], service: Inference_GRPCInferenceService.descriptor)
/// ```
public struct AccessPolicy: Sendable {
    /// The scopes of methods and services not named otherwise.
    public var defaultScopes: Set<TokenScope>
    /// Scopes by full method path (`/lifelong.v1.Gateway/CreateJob`).
    public var methodScopes: [String: Set<TokenScope>]
    /// Scopes by fully-qualified service name (`lifelong.v1.EdgeInference`).
    public var serviceScopes: [String: Set<TokenScope>]
    /// Services callable without a token.
    public var openServices: Set<String>

    /// Services every host serves that are open without a token: health and reflection.
    public static let standardOpenServices: Set<String> = [
        "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection",
    ]

    /// The policy of the services other than the gateway: service tokens (and operators'
    /// admin tokens) for every method.
    public static let servicesOnly = AccessPolicy(default: [.service, .admin])

    /// Creates a policy.
    /// - Parameters:
    ///   - defaultScopes: The scopes of every method not named otherwise.
    ///   - methods: Scopes by full method path.
    ///   - services: Scopes by fully-qualified service name.
    ///   - open: Services callable without a token; health and reflection by default.
    public init(
        default defaultScopes: Set<TokenScope>, methods: [String: Set<TokenScope>] = [:],
        services: [String: Set<TokenScope>] = [:], open: Set<String> = AccessPolicy.standardOpenServices
    ) {
        self.defaultScopes = defaultScopes
        methodScopes = methods
        serviceScopes = services
        openServices = open
    }

    /// This policy with `methods` callable by `scopes` (instead of what applied before).
    public func allowing(_ scopes: Set<TokenScope>, methods: [MethodDescriptor]) -> AccessPolicy {
        var policy = self
        for method in methods { policy.methodScopes[method.path] = scopes }
        return policy
    }

    /// This policy with every method of `service` callable by `scopes`, except methods
    /// given scopes of their own.
    public func allowing(_ scopes: Set<TokenScope>, service: ServiceDescriptor) -> AccessPolicy {
        var policy = self
        policy.serviceScopes[service.fullyQualifiedService] = scopes
        return policy
    }

    /// What a method requires.
    public enum Requirement: Sendable, Hashable {
        /// Callable without a token.
        case open
        /// A token of one of these scopes.
        case scopes(Set<TokenScope>)
    }

    /// What calling `method` requires.
    public func requirement(for method: MethodDescriptor) -> Requirement {
        if let scopes = methodScopes[method.path] { return .scopes(scopes) }
        let service = method.service.fullyQualifiedService
        if openServices.contains(service) { return .open }
        return .scopes(serviceScopes[service] ?? defaultScopes)
    }
}
