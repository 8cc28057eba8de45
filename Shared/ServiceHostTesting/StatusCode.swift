public import RPCCore

/// The status code and message of what `body` throws (`.unknown` and the error's text for an
/// error that is not an `RPCError`), or nil when it does not throw.
public func statusCode(_ body: () async throws -> Void) async -> (RPCError.Code, String)? {
    do {
        try await body()
        return nil
    } catch let error as RPCError {
        return (error.code, error.message)
    } catch {
        return (.unknown, "\(error)")
    }
}
