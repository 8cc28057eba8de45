/// Names a service, as in `/package.Service/Method` paths.
public struct ServiceDescriptor: Sendable, Hashable, CustomStringConvertible {
    /// The fully-qualified service name, e.g. `lifelong.v1.KnowledgeBase`.
    public var fullyQualifiedService: String

    /// Creates a descriptor from a fully-qualified name.
    public init(fullyQualifiedService: String) {
        self.fullyQualifiedService = fullyQualifiedService
    }

    public var description: String { fullyQualifiedService }
}

/// How many messages each side of a call sends.
public enum RPCKind: Sendable, Hashable {
    /// One request, one response.
    case unary
    /// One request, a stream of responses.
    case serverStreaming
    /// A stream of requests, one response.
    case clientStreaming
    /// Streams both ways.
    case bidirectionalStreaming
}

/// Names one method of a service.
public struct MethodDescriptor: Sendable, Hashable, CustomStringConvertible {
    /// The service.
    public var service: ServiceDescriptor
    /// The method name, e.g. `PublishSnapshot`.
    public var method: String

    /// Creates a descriptor.
    public init(service: ServiceDescriptor, method: String) {
        self.service = service
        self.method = method
    }

    /// Creates a descriptor from a fully-qualified service name and a method name.
    public init(fullyQualifiedService: String, method: String) {
        self.init(service: ServiceDescriptor(fullyQualifiedService: fullyQualifiedService), method: method)
    }

    /// The HTTP/2 `:path`: `/package.Service/Method`.
    public var path: String { "/\(service.fullyQualifiedService)/\(method)" }

    public var description: String { path }
}
