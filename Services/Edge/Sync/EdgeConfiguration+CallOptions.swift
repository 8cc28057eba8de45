import RPCCore

extension EdgeConfiguration.Sync {
    /// The options of one call to the gateway: its deadline, and room for a snapshot message.
    var callOptions: CallOptions {
        CallOptions(timeout: .milliseconds(Int64(callTimeoutSeconds * 1_000)), maxResponseMessageBytes: 64 << 20)
    }
}
