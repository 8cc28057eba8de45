public import RPCCore

/// Who the call being served was made by: the scope of its token and, for an edge token, the
/// node it is bound to. ``AuthServerInterceptor`` sets ``current`` around the handler.
public struct Principal: Sendable, Hashable, CustomStringConvertible {
    /// The token's scope.
    public var scope: TokenScope
    /// The node an edge token is bound to; nil for the other scopes.
    public var node: String?

    /// Creates a principal.
    public init(scope: TokenScope, node: String? = nil) {
        self.scope = scope
        self.node = node
    }

    public var description: String { node.map { "\(scope) token of node \($0)" } ?? "\(scope) token" }

    /// The principal of the call the current task serves; nil when the service runs without
    /// authentication (`--no-auth`) or outside a call.
    @TaskLocal public static var current: Principal?

    /// Checks that the current call may act for `node`: an edge token only for the node it is
    /// bound to. Admin, service and reader tokens pass (which methods they may call at all is
    /// the ``AccessPolicy``'s business), and so does a call served without authentication.
    /// - Parameters:
    ///   - node: The node id the request acts for.
    ///   - field: The request field that carries it, named in the error.
    /// - Throws: PERMISSION_DENIED naming both nodes and the field.
    public static func requireNode(_ node: String, field: String) throws(RPCError) {
        guard let principal = current, principal.scope == .edge, principal.node != node else { return }
        throw RPCError(
            code: .permissionDenied,
            message: "edge token of node \(principal.node ?? "") may not act for node \(node) (\(field))")
    }
}
