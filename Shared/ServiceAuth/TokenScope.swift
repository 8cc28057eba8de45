/// What a bearer token may do. A method's ``AccessPolicy`` lists the scopes it accepts.
public enum TokenScope: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// An operator: every method of every service.
    case admin
    /// Read-only calls (and, on an edge node, inference).
    case reader
    /// One edge node: the gateway's edge calls, for its own node id only (see
    /// ``Principal/requireNode(_:field:)``).
    case edge
    /// One service calling another (training → knowledge base, gateway → training, …).
    case service

    public var description: String { rawValue }
}
