extension HTTP2ClientConfiguration {
    /// A configuration for a client that reads long streams of large messages (a service
    /// reading a job's samples from the knowledge base): receive windows as large as the
    /// largest message it accepts, so the server sends a whole message without waiting for a
    /// WINDOW_UPDATE every 64 KiB. With the default windows each 64 KiB costs a round trip
    /// through both event loops, which on a busy machine made reading 110,000 samples take
    /// seconds while neither process was busy.
    /// - Parameter maxReceiveMessageBytes: The largest response message accepted.
    /// - Returns: The default configuration with those windows (stream: one message;
    ///   connection: two).
    public static func bulkReads(maxReceiveMessageBytes: Int = 4 << 20) -> HTTP2ClientConfiguration {
        var configuration = HTTP2ClientConfiguration()
        configuration.maxReceiveMessageBytes = maxReceiveMessageBytes
        configuration.initialStreamWindowBytes = max(configuration.initialStreamWindowBytes, maxReceiveMessageBytes)
        configuration.connectionWindowBytes = max(configuration.connectionWindowBytes, 2 * maxReceiveMessageBytes)
        return configuration
    }
}
