import RPCCore

/// The connection-level protocol of a server connection, without I/O: the client preface,
/// open header blocks, idleness, PING abuse, the two-GOAWAY graceful shutdown with its grace
/// period, write stalls and closing. The handler reports what happened (events) and performs
/// what it is told (actions); timers are named, armed and fired by the handler.
///
/// Times are durations since an origin the handler picks (its event loop's clock), so that
/// tests can drive the machine with any clock.
struct ServerConnectionStateMachine {
    /// The limits and timeouts the machine enforces.
    struct Configuration: Sendable, Hashable {
        var maxPingStrikes: Int
        var prefaceTimeout: Duration
        var headerTimeout: Duration
        var idleTimeout: Duration
        var writeStallTimeout: Duration
        var shutdownPingTimeout: Duration
        var maxConnectionAge: Duration?
        var maxConnectionAgeGrace: Duration
        var keepaliveInterval: Duration?
        var keepaliveTimeout: Duration

        /// The values of a server's configuration.
        init(_ server: HTTP2ServerConfiguration) {
            self.init(
                maxPingStrikes: server.maxPingStrikes, prefaceTimeout: server.prefaceTimeout,
                headerTimeout: server.headerTimeout, idleTimeout: server.idleTimeout,
                writeStallTimeout: server.writeStallTimeout, shutdownPingTimeout: server.shutdownPingTimeout,
                maxConnectionAge: server.maxConnectionAge, maxConnectionAgeGrace: server.maxConnectionAgeGrace,
                keepaliveInterval: server.keepaliveInterval, keepaliveTimeout: server.keepaliveTimeout)
        }

        init(
            maxPingStrikes: Int, prefaceTimeout: Duration, headerTimeout: Duration, idleTimeout: Duration,
            writeStallTimeout: Duration, shutdownPingTimeout: Duration, maxConnectionAge: Duration? = nil,
            maxConnectionAgeGrace: Duration = .seconds(600), keepaliveInterval: Duration? = nil,
            keepaliveTimeout: Duration = .seconds(20)
        ) {
            self.maxPingStrikes = maxPingStrikes
            self.prefaceTimeout = prefaceTimeout
            self.headerTimeout = headerTimeout
            self.idleTimeout = idleTimeout
            self.writeStallTimeout = writeStallTimeout
            self.shutdownPingTimeout = shutdownPingTimeout
            self.maxConnectionAge = maxConnectionAge
            self.maxConnectionAgeGrace = maxConnectionAgeGrace
            self.keepaliveInterval = keepaliveInterval
            self.keepaliveTimeout = keepaliveTimeout
        }
    }

    /// The connection's timers.
    enum Timer: Hashable, Sendable, CaseIterable {
        /// The client preface and SETTINGS must arrive before it fires.
        case preface
        /// A header block must be completed before it fires.
        case header
        /// Checks that a stream was open recently.
        case idle
        /// The channel must become writable again before it fires.
        case writeStall
        /// The PING of a graceful shutdown must be acknowledged before it fires.
        case shutdownPing
        /// Calls still open when it fires are ended with UNAVAILABLE.
        case gracePeriod
        /// The connection reached its maximum age: it is asked to go away.
        case maxAge
        /// Time for the next keepalive PING.
        case keepalive
        /// The keepalive PING must be acknowledged before it fires.
        case keepaliveAck
        /// Per-call limits (request receive time, zero window) are due; handled by the
        /// connection handler, which owns the calls.
        case streamLimits
    }

    /// What the handler must do, in order.
    enum Action: Equatable, Sendable {
        case scheduleTimer(Timer, after: Duration)
        case cancelTimer(Timer)
        case cancelAllTimers
        /// The first GOAWAY of a graceful shutdown (last stream id 2^31-1, NO_ERROR).
        case sendShutdownNotice
        case sendPing(opaque: UInt64)
        case sendGoAway(lastStreamID: Int32, errorCode: HTTP2ErrorCode, reason: String)
        /// GOAWAY with `errorCode` after which the session reads nothing more.
        case terminateSession(errorCode: HTTP2ErrorCode, reason: String)
        /// Cancel every call without sending anything for it (the connection is going away).
        case abandonStreams(code: RPCError.Code, message: String)
        /// End every open call with this status on the wire, and cancel its handler.
        case endStreams(code: RPCError.Code, message: String)
        case flush
        /// Close the channel at once.
        case closeNow(reason: String)
        /// Close the channel once written, after lingering (see `closeLingerTime`).
        case lingerClose
    }

    /// How far the connection is.
    enum State: Equatable, Sendable {
        /// Accepting streams.
        case active
        /// The shutdown notice and a PING went out; the final GOAWAY follows the PING's ack.
        case draining
        /// A final GOAWAY went out; the connection closes when its calls are done.
        case closing
        /// Closed or closing at once; every later event is ignored.
        case closed
    }

    /// The opaque data of the PING sent with the shutdown notice ("lifelong").
    static let shutdownPingData: UInt64 = 0x6C69_6665_6C6F_6E67
    /// The opaque data of keepalive PINGs ("alive?").
    static let keepalivePingData: UInt64 = 0x616C_6976_653F_0000

    let configuration: Configuration
    private(set) var state = State.active
    /// Whether the client's SETTINGS (ending its preface) arrived.
    private(set) var prefaceReceived = false
    /// Streams opened and not yet closed.
    private(set) var openStreams = 0
    /// The highest stream id opened (the last stream id of a final GOAWAY).
    private(set) var lastStreamID: Int32 = 0
    /// PINGs received since a HEADERS or DATA frame was last sent.
    private(set) var pingStrikes = 0
    /// A GOAWAY that ends the connection was queued: close once the session wrote everything.
    private(set) var closesWhenWritten = false
    /// When the last stream closed (or the connection started).
    private var idleSince: Duration
    private var headerTimerArmed = false
    private var idleTimerArmed = false
    private var writeStallTimerArmed = false
    private var graceTimerArmed = false

    init(configuration: Configuration) {
        self.configuration = configuration
        self.idleSince = .zero
    }

    // MARK: Connection events

    /// The handler was added: the client has `prefaceTimeout` to send its preface; the
    /// connection's age counts from now.
    mutating func started(now: Duration) -> [Action] {
        idleSince = now
        var actions: [Action] = [.scheduleTimer(.preface, after: configuration.prefaceTimeout)]
        if let age = configuration.maxConnectionAge { actions.append(.scheduleTimer(.maxAge, after: age)) }
        return actions
    }

    /// The client's SETTINGS arrived: the first one ends the preface and starts idle tracking.
    mutating func settingsReceived() -> [Action] {
        guard !prefaceReceived else { return [] }
        prefaceReceived = true
        var actions: [Action] = [.cancelTimer(.preface)]
        if state == .active && !idleTimerArmed {
            idleTimerArmed = true
            actions.append(.scheduleTimer(.idle, after: configuration.idleTimeout))
        }
        if let interval = configuration.keepaliveInterval {
            actions.append(.scheduleTimer(.keepalive, after: interval))
        }
        return actions
    }

    /// A frame header arrived. A header block left open (HEADERS or CONTINUATION without
    /// END_HEADERS) must be completed within `headerTimeout`; any other frame ends it.
    mutating func frameReceived(opensHeaderBlock: Bool) -> Action? {
        if opensHeaderBlock {
            guard !headerTimerArmed, state != .closed else { return nil }
            headerTimerArmed = true
            return .scheduleTimer(.header, after: configuration.headerTimeout)
        }
        guard headerTimerArmed else { return nil }
        headerTimerArmed = false
        return .cancelTimer(.header)
    }

    /// A HEADERS or DATA frame was sent: the client's PINGs are answered by real traffic.
    mutating func headersOrDataSent() {
        pingStrikes = 0
    }

    /// A PING (not an ack) arrived. Too many without traffic in between: GOAWAY
    /// ENHANCE_YOUR_CALM, every call cancelled, close once written.
    mutating func pingReceived() -> [Action] {
        pingStrikes += 1
        guard pingStrikes > configuration.maxPingStrikes, state == .active || state == .draining else { return [] }
        state = .closing
        closesWhenWritten = true
        return [
            .sendGoAway(lastStreamID: lastStreamID, errorCode: .enhanceYourCalm, reason: "too_many_pings"),
            .abandonStreams(code: .unavailable, message: "the connection was closed for too many pings"),
        ]
    }

    /// A PING ack arrived: the one of the shutdown notice lets the final GOAWAY go; the one of
    /// a keepalive PING shows the peer alive (the next PING after the interval).
    mutating func pingAckReceived(opaque: UInt64) -> [Action] {
        switch opaque {
        case Self.shutdownPingData:
            return finalGoAway()
        case Self.keepalivePingData:
            guard state != .closed, let interval = configuration.keepaliveInterval else { return [] }
            return [.cancelTimer(.keepaliveAck), .scheduleTimer(.keepalive, after: interval)]
        default:
            return []
        }
    }

    /// The channel's writability changed: an unwritable channel must recover within
    /// `writeStallTimeout` (the peer stopped reading while we have frames for it).
    mutating func writabilityChanged(isWritable: Bool) -> [Action] {
        guard state != .closed else { return [] }
        if isWritable {
            guard writeStallTimerArmed else { return [.flush] }
            writeStallTimerArmed = false
            return [.cancelTimer(.writeStall), .flush]
        }
        guard !writeStallTimerArmed else { return [] }
        writeStallTimerArmed = true
        return [.scheduleTimer(.writeStall, after: configuration.writeStallTimeout)]
    }

    /// Asks the connection to drain: the shutdown notice and a PING; the final GOAWAY follows
    /// the ack (or `shutdownPingTimeout`). With a grace period, calls still open when it ends
    /// get UNAVAILABLE and the connection closes.
    mutating func gracefulShutdownRequested(gracePeriod: Duration?) -> [Action] {
        var actions: [Action] = []
        if state == .active {
            state = .draining
            actions += [.sendShutdownNotice, .sendPing(opaque: Self.shutdownPingData)]
            if idleTimerArmed {
                idleTimerArmed = false
                actions.append(.cancelTimer(.idle))
            }
            actions.append(.scheduleTimer(.shutdownPing, after: configuration.shutdownPingTimeout))
        }
        if let gracePeriod, !graceTimerArmed, state == .draining || state == .closing {
            graceTimerArmed = true
            actions.append(.scheduleTimer(.gracePeriod, after: gracePeriod))
        }
        if !actions.isEmpty { actions.append(.flush) }
        return actions
    }

    /// A timer fired.
    mutating func timerFired(_ timer: Timer, now: Duration) -> [Action] {
        guard state != .closed else { return [] }
        switch timer {
        case .preface:
            guard !prefaceReceived else { return [] }
            return close(reason: "preface timeout")
        case .header:
            guard headerTimerArmed else { return [] }
            headerTimerArmed = false
            return [.terminateSession(errorCode: .protocolError, reason: "header timeout"), .flush]
        case .idle:
            idleTimerArmed = false
            guard state == .active else { return [] }
            let idleFor = now - idleSince
            if openStreams == 0 && idleFor >= configuration.idleTimeout {
                return gracefulShutdownRequested(gracePeriod: nil)
            }
            idleTimerArmed = true
            let remaining = openStreams == 0 ? configuration.idleTimeout - idleFor : configuration.idleTimeout
            return [.scheduleTimer(.idle, after: remaining)]
        case .writeStall:
            guard writeStallTimerArmed else { return [] }
            writeStallTimerArmed = false
            return close(reason: "write stall")
        case .shutdownPing:
            return finalGoAway() + [.flush]
        case .gracePeriod:
            graceTimerArmed = false
            var actions = finalGoAway()
            actions.append(.endStreams(code: .unavailable, message: "the server is shutting down"))
            closesWhenWritten = true
            actions.append(.flush)
            return actions
        case .maxAge:
            guard state == .active else { return [] }
            return gracefulShutdownRequested(gracePeriod: configuration.maxConnectionAgeGrace)
        case .keepalive:
            return [
                .sendPing(opaque: Self.keepalivePingData),
                .scheduleTimer(.keepaliveAck, after: configuration.keepaliveTimeout), .flush,
            ]
        case .keepaliveAck:
            return close(reason: "keepalive timeout")
        case .streamLimits:
            return []
        }
    }

    /// The session failed (a fatal receive or send error) or the channel reported an error.
    mutating func protocolError(reason: String) -> [Action] {
        guard state != .closed else { return [] }
        return close(reason: reason)
    }

    /// A flush ended. The connection closes (after lingering) once the session is done, or
    /// once a GOAWAY that ends it was written.
    mutating func flushed(sessionActive: Bool, wantsWrite: Bool) -> Action? {
        guard state != .closed, !sessionActive || (closesWhenWritten && !wantsWrite) else { return nil }
        state = .closed
        return .lingerClose
    }

    /// The channel closed: every call is cancelled.
    mutating func channelInactive() -> [Action] {
        state = .closed
        return [.cancelAllTimers, .abandonStreams(code: .unavailable, message: "the connection closed")]
    }

    // MARK: Stream events

    /// A stream was opened by the client.
    mutating func streamOpened(id: Int32) {
        openStreams += 1
        if id > lastStreamID { lastStreamID = id }
    }

    /// A stream was closed; `now` is read only when it was the last one.
    mutating func streamClosed(now: @autoclosure () -> Duration) {
        openStreams -= 1
        if openStreams == 0 { idleSince = now() }
    }

    // MARK: Helpers

    private mutating func finalGoAway() -> [Action] {
        guard state == .draining else { return [] }
        state = .closing
        return [.cancelTimer(.shutdownPing), .sendGoAway(lastStreamID: lastStreamID, errorCode: .noError, reason: "")]
    }

    private mutating func close(reason: String) -> [Action] {
        state = .closed
        return [.closeNow(reason: reason)]
    }
}
