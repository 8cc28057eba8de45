@testable import HTTP2Transport
import RPCCore
import Testing

/// Every transition of the connection-level state machine, without sockets or NIO.
@Suite("server connection state machine")
struct ServerConnectionStateMachineTests {
    typealias Machine = ServerConnectionStateMachine

    static let configuration = Machine.Configuration(
        maxPingStrikes: 2, prefaceTimeout: .seconds(10), headerTimeout: .seconds(5), idleTimeout: .seconds(300),
        writeStallTimeout: .seconds(30), shutdownPingTimeout: .seconds(7))

    /// A machine past the preface, as after the client's SETTINGS.
    static func active() -> Machine {
        var machine = Machine(configuration: configuration)
        _ = machine.started(now: .zero)
        _ = machine.settingsReceived()
        return machine
    }

    @Test("a new connection arms the preface timer")
    func started() {
        var machine = Machine(configuration: Self.configuration)
        #expect(machine.started(now: .seconds(1)) == [.scheduleTimer(.preface, after: .seconds(10))])
        #expect(machine.state == .active)
        #expect(!machine.prefaceReceived)
    }

    @Test("the first SETTINGS ends the preface and arms the idle timer; later ones change nothing")
    func settings() {
        var machine = Machine(configuration: Self.configuration)
        _ = machine.started(now: .zero)
        #expect(machine.settingsReceived() == [.cancelTimer(.preface), .scheduleTimer(.idle, after: .seconds(300))])
        #expect(machine.prefaceReceived)
        #expect(machine.settingsReceived() == [])
    }

    @Test("the preface timer closes a connection without preface, and does nothing after it")
    func prefaceTimeout() {
        var silent = Machine(configuration: Self.configuration)
        _ = silent.started(now: .zero)
        #expect(silent.timerFired(.preface, now: .seconds(10)) == [.closeNow(reason: "preface timeout")])
        #expect(silent.state == .closed)

        var machine = Self.active()
        #expect(machine.timerFired(.preface, now: .seconds(10)) == [])
        #expect(machine.state == .active)
    }

    @Test("an open header block arms the header timer once; the next other frame disarms it")
    func headerBlock() {
        var machine = Self.active()
        #expect(machine.frameReceived(opensHeaderBlock: false) == nil)
        #expect(machine.frameReceived(opensHeaderBlock: true) == .scheduleTimer(.header, after: .seconds(5)))
        #expect(machine.frameReceived(opensHeaderBlock: true) == nil)
        #expect(machine.frameReceived(opensHeaderBlock: false) == .cancelTimer(.header))
        #expect(machine.frameReceived(opensHeaderBlock: false) == nil)
    }

    @Test("the header timer terminates the session with PROTOCOL_ERROR, unless disarmed")
    func headerTimeout() {
        var machine = Self.active()
        _ = machine.frameReceived(opensHeaderBlock: true)
        #expect(
            machine.timerFired(.header, now: .seconds(5))
                == [.terminateSession(errorCode: .protocolError, reason: "header timeout"), .flush])
        #expect(machine.timerFired(.header, now: .seconds(6)) == [])
    }

    @Test("frame types and flags: HEADERS/CONTINUATION without END_HEADERS open a header block")
    func opensHeaderBlock() {
        #expect(HTTP2FrameType.opensHeaderBlock(type: 0x1, flags: 0x0))
        #expect(HTTP2FrameType.opensHeaderBlock(type: 0x9, flags: 0x1))
        #expect(!HTTP2FrameType.opensHeaderBlock(type: 0x1, flags: 0x4))
        #expect(!HTTP2FrameType.opensHeaderBlock(type: 0x9, flags: 0x5))
        #expect(!HTTP2FrameType.opensHeaderBlock(type: 0x0, flags: 0x0))
    }

    @Test("streams are counted and the highest id is kept")
    func streams() {
        var machine = Self.active()
        machine.streamOpened(id: 1)
        machine.streamOpened(id: 5)
        machine.streamOpened(id: 3)
        #expect(machine.openStreams == 3)
        #expect(machine.lastStreamID == 5)
        machine.streamClosed(now: .seconds(1))
        #expect(machine.openStreams == 2)
    }

    @Test("the idle timer starts a graceful shutdown when no stream was open for the whole timeout")
    func idleShutdown() {
        var machine = Self.active()
        #expect(
            machine.timerFired(.idle, now: .seconds(300))
                == [
                    .sendShutdownNotice, .sendPing(opaque: Machine.shutdownPingData),
                    .scheduleTimer(.shutdownPing, after: .seconds(7)), .flush,
                ])
        #expect(machine.state == .draining)
    }

    @Test("the idle timer re-arms: for the full timeout while a stream is open, for the rest after one closed")
    func idleRearm() {
        var machine = Self.active()
        machine.streamOpened(id: 1)
        #expect(machine.timerFired(.idle, now: .seconds(300)) == [.scheduleTimer(.idle, after: .seconds(300))])
        machine.streamClosed(now: .seconds(400))
        #expect(machine.timerFired(.idle, now: .seconds(600)) == [.scheduleTimer(.idle, after: .seconds(100))])
        #expect(machine.timerFired(.idle, now: .seconds(700)).first == .sendShutdownNotice)
    }

    @Test("PINGs beyond the strikes allowed: GOAWAY ENHANCE_YOUR_CALM, calls cancelled, close once written")
    func pingFlood() {
        var machine = Self.active()
        machine.streamOpened(id: 3)
        #expect(machine.pingReceived() == [])
        #expect(machine.pingReceived() == [])
        #expect(
            machine.pingReceived()
                == [
                    .sendGoAway(lastStreamID: 3, errorCode: .enhanceYourCalm, reason: "too_many_pings"),
                    .abandonStreams(code: .unavailable, message: "the connection was closed for too many pings"),
                ])
        #expect(machine.state == .closing)
        #expect(machine.closesWhenWritten)
        #expect(machine.flushed(sessionActive: true, wantsWrite: true) == nil)
        #expect(machine.flushed(sessionActive: true, wantsWrite: false) == .lingerClose)
        #expect(machine.state == .closed)
    }

    @Test("HEADERS or DATA sent between PINGs resets the strikes")
    func pingStrikesReset() {
        var machine = Self.active()
        for _ in 0..<10 {
            #expect(machine.pingReceived() == [])
            #expect(machine.pingReceived() == [])
            machine.headersOrDataSent()
        }
        #expect(machine.pingStrikes == 0)
    }

    @Test("graceful shutdown: notice, PING, idle timer off, PING timer and grace period armed, flush")
    func gracefulShutdown() {
        var machine = Self.active()
        #expect(
            machine.gracefulShutdownRequested(gracePeriod: .seconds(2))
                == [
                    .sendShutdownNotice, .sendPing(opaque: Machine.shutdownPingData), .cancelTimer(.idle),
                    .scheduleTimer(.shutdownPing, after: .seconds(7)), .scheduleTimer(.gracePeriod, after: .seconds(2)),
                    .flush,
                ])
        #expect(machine.state == .draining)
        #expect(machine.gracefulShutdownRequested(gracePeriod: .seconds(2)) == [])
    }

    @Test("a graceful shutdown requested again with a grace period arms it once")
    func gracefulShutdownThenGrace() {
        var machine = Self.active()
        _ = machine.gracefulShutdownRequested(gracePeriod: nil)
        #expect(
            machine.gracefulShutdownRequested(gracePeriod: .seconds(1))
                == [.scheduleTimer(.gracePeriod, after: .seconds(1)), .flush])
        #expect(machine.gracefulShutdownRequested(gracePeriod: .seconds(1)) == [])
    }

    @Test("the shutdown PING's ack sends the final GOAWAY with the last stream id; other acks do nothing")
    func pingAck() {
        var machine = Self.active()
        machine.streamOpened(id: 7)
        #expect(machine.pingAckReceived(opaque: Machine.shutdownPingData) == [])
        _ = machine.gracefulShutdownRequested(gracePeriod: nil)
        #expect(machine.pingAckReceived(opaque: 42) == [])
        #expect(
            machine.pingAckReceived(opaque: Machine.shutdownPingData)
                == [.cancelTimer(.shutdownPing), .sendGoAway(lastStreamID: 7, errorCode: .noError, reason: "")])
        #expect(machine.state == .closing)
        #expect(machine.pingAckReceived(opaque: Machine.shutdownPingData) == [])
    }

    @Test("without the PING's ack, the final GOAWAY goes when the PING timer fires")
    func shutdownPingTimeout() {
        var machine = Self.active()
        _ = machine.gracefulShutdownRequested(gracePeriod: nil)
        #expect(
            machine.timerFired(.shutdownPing, now: .seconds(7))
                == [.cancelTimer(.shutdownPing), .sendGoAway(lastStreamID: 0, errorCode: .noError, reason: ""), .flush])
        #expect(machine.state == .closing)
    }

    @Test("when the grace period ends: final GOAWAY, UNAVAILABLE on every open call, close once written")
    func gracePeriodEnds() {
        var machine = Self.active()
        machine.streamOpened(id: 1)
        _ = machine.gracefulShutdownRequested(gracePeriod: .seconds(1))
        #expect(
            machine.timerFired(.gracePeriod, now: .seconds(1))
                == [
                    .cancelTimer(.shutdownPing), .sendGoAway(lastStreamID: 1, errorCode: .noError, reason: ""),
                    .endStreams(code: .unavailable, message: "the server is shutting down"), .flush,
                ])
        #expect(machine.closesWhenWritten)
        #expect(machine.flushed(sessionActive: true, wantsWrite: false) == .lingerClose)
    }

    @Test("a grace period ending after the final GOAWAY only ends the calls")
    func gracePeriodAfterFinalGoAway() {
        var machine = Self.active()
        _ = machine.gracefulShutdownRequested(gracePeriod: .seconds(1))
        _ = machine.pingAckReceived(opaque: Machine.shutdownPingData)
        #expect(
            machine.timerFired(.gracePeriod, now: .seconds(1))
                == [.endStreams(code: .unavailable, message: "the server is shutting down"), .flush])
    }

    @Test("an unwritable channel arms the stall timer once; writable again disarms it and flushes")
    func writability() {
        var machine = Self.active()
        #expect(machine.writabilityChanged(isWritable: false) == [.scheduleTimer(.writeStall, after: .seconds(30))])
        #expect(machine.writabilityChanged(isWritable: false) == [])
        #expect(machine.writabilityChanged(isWritable: true) == [.cancelTimer(.writeStall), .flush])
        #expect(machine.writabilityChanged(isWritable: true) == [.flush])
        #expect(machine.timerFired(.writeStall, now: .seconds(30)) == [])
    }

    @Test("the stall timer closes a connection that stayed unwritable")
    func writeStall() {
        var machine = Self.active()
        _ = machine.writabilityChanged(isWritable: false)
        #expect(machine.timerFired(.writeStall, now: .seconds(30)) == [.closeNow(reason: "write stall")])
        #expect(machine.state == .closed)
        #expect(machine.writabilityChanged(isWritable: true) == [])
    }

    @Test("a session that wants neither reads nor writes closes after lingering")
    func sessionDone() {
        var machine = Self.active()
        #expect(machine.flushed(sessionActive: true, wantsWrite: false) == nil)
        #expect(machine.flushed(sessionActive: false, wantsWrite: false) == .lingerClose)
        #expect(machine.flushed(sessionActive: false, wantsWrite: false) == nil)
    }

    @Test("a protocol error closes at once, once")
    func protocolError() {
        var machine = Self.active()
        #expect(machine.protocolError(reason: "bad") == [.closeNow(reason: "bad")])
        #expect(machine.protocolError(reason: "bad") == [])
    }

    @Test("the channel closing cancels the timers and every call; later events are ignored")
    func channelInactive() {
        var machine = Self.active()
        #expect(
            machine.channelInactive()
                == [.cancelAllTimers, .abandonStreams(code: .unavailable, message: "the connection closed")])
        #expect(machine.state == .closed)
        for timer in Machine.Timer.allCases {
            #expect(machine.timerFired(timer, now: .seconds(1000)) == [])
        }
        #expect(machine.gracefulShutdownRequested(gracePeriod: .seconds(1)) == [])
    }

    @Test("HTTP/2 error codes are named as in RFC 9113")
    func errorCodeNames() {
        #expect(HTTP2ErrorCode.enhanceYourCalm.description == "ENHANCE_YOUR_CALM")
        #expect(HTTP2ErrorCode.noError.description == "NO_ERROR")
        #expect(HTTP2ErrorCode(rawValue: 0x42).description == "0x42")
    }
}
