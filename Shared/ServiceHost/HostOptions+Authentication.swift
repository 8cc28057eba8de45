public import RPCCore
public import ServiceAuth

/// How a host checks the calls it serves.
public enum HostAuthentication: Sendable {
    /// Every call (but health and reflection) needs a token of this store that its method's
    /// policy accepts.
    case tokens(TokenStore)
    /// `--no-auth`: every call is accepted.
    case disabled
}

extension HostOptions {
    /// How the host authenticates calls: the token file of ``authTokens``, or none with
    /// ``noAuth``. Authentication is on by default, so neither is an error.
    /// - Parameter identity: The executable, for the fix the error names.
    /// - Throws: ``AuthConfigurationError`` when neither (or both) is given, or the token
    ///   file cannot be read or parsed (naming the line).
    public func authentication(for identity: ServiceIdentity) throws(AuthConfigurationError) -> HostAuthentication {
        switch (authTokens, noAuth) {
        case (let path?, false):
            return .tokens(try TokenStore(contentsOfFile: path))
        case (nil, true):
            return .disabled
        case (_?, true):
            throw AuthConfigurationError(code: .notConfigured, message: "--auth-tokens and --no-auth exclude each other: give one")
        case (nil, false):
            throw AuthConfigurationError(
                code: .notConfigured,
                message: "\(identity.executable) requires bearer tokens: give --auth-tokens FILE "
                    + "(env \(identity.environmentVariable(forOption: "auth-tokens"))), a token file made by "
                    + "`lifelong-tokens DIR` (DIR/\(TokenDirectory.storeFileName)), or --no-auth "
                    + "(env \(identity.environmentVariable(forOption: "no-auth"))=true) for a local experiment")
        }
    }

    /// The token of this service's outgoing calls, from ``serviceTokenFile``; nil when unset.
    /// - Throws: ``AuthConfigurationError`` when the file cannot be read or is malformed.
    public func serviceToken() throws(AuthConfigurationError) -> BearerToken? {
        try serviceTokenFile.map { path throws(AuthConfigurationError) in try BearerToken(contentsOfFile: path) }
    }

    /// The client interceptors that put the service token on outgoing calls (none without
    /// ``serviceTokenFile``): `transport.propagatingCallContext(try host.serviceTokenInterceptors())`.
    /// - Throws: ``AuthConfigurationError`` when the file cannot be read or is malformed.
    public func serviceTokenInterceptors() throws(AuthConfigurationError) -> [any ClientInterceptor] {
        try serviceToken().interceptors
    }
}
