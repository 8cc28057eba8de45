"""Connection-level behaviour of a gRPC server, with raw frames (hyperframe + hpack).

usage: connection_client.py CASE HOST:PORT [ARG]
Cases: preface_timeout, header_timeout, idle_timeout, write_stall, graceful_shutdown, refused,
disconnect_mid_upload, disconnect_mid_response.
The three timeout cases expect the server configured with a 0.2 s timeout: they check that the
connection ends after at least 0.18 s and within 3 s (every default is 10 s or more), so that the
configured value, not a default, is shown to apply. `refused` expects the connection to be
refused for the limit named by ARG.
Prints 'PASS case' or 'FAIL case: reason' and exits 0 or 1. `write_stall` prints 'STALLED'
once its request is sent, then reads nothing until a line arrives on stdin; so does
`disconnect_mid_upload` (printing 'SENT') before it resets the connection.
"""
import socket
import struct
import sys
import time

import hpack
from hyperframe.frame import (DataFrame, Frame, GoAwayFrame, HeadersFrame, PingFrame, RstStreamFrame,
                              SettingsFrame, WindowUpdateFrame)

CASE = sys.argv[1]
HOST, PORT = sys.argv[2].rsplit(":", 1)
PORT = int(PORT)
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
MAX_STREAM_ID = 2**31 - 1
PROTOCOL_ERROR = 1
DEADLINE = 10.0


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def request_headers(path):
    return [(":method", "POST"), (":scheme", "http"), (":path", path), (":authority", f"{HOST}:{PORT}"),
            ("content-type", "application/grpc"), ("te", "trailers")]


def grpc_message(payload):
    return b"\x00" + len(payload).to_bytes(4, "big") + payload


class Raw:
    """One connection spoken frame by frame; SETTINGS and PINGs from the server are acknowledged."""

    def __init__(self, settings=None, preface=True):
        self.sock = socket.create_connection((HOST, PORT), timeout=DEADLINE)
        # Without a preface nothing may be sent (an ACK would be a malformed preface).
        self.acknowledges = preface
        self.buffer = b""
        self.encoder = hpack.Encoder()
        self.decoder = hpack.Decoder()
        if preface:
            self.sock.sendall(PREFACE + SettingsFrame(0, settings=settings or {}).serialize())

    def send(self, *frames):
        self.sock.sendall(b"".join(frame.serialize() for frame in frames))

    def handshake(self):
        """Waits for the server's SETTINGS (acknowledged) and its ACK of ours."""
        self.until(lambda f: isinstance(f, SettingsFrame) and "ACK" in f.flags, "the server's SETTINGS ACK")

    def headers(self, stream, path, end_stream=False):
        flags = ["END_HEADERS"] + (["END_STREAM"] if end_stream else [])
        return HeadersFrame(stream, self.encoder.encode(request_headers(path)), flags=flags)

    def next_frame(self, deadline=DEADLINE):
        """The next frame; 'closed' at EOF or reset; 'timeout' when nothing came in time."""
        end = time.monotonic() + deadline
        while True:
            if len(self.buffer) >= 9:
                frame, length = Frame.parse_frame_header(memoryview(self.buffer[:9]))
                if len(self.buffer) >= 9 + length:
                    frame.parse_body(memoryview(self.buffer[9:9 + length]))
                    self.buffer = self.buffer[9 + length:]
                    if isinstance(frame, SettingsFrame) and "ACK" not in frame.flags and self.acknowledges:
                        self.send(SettingsFrame(0, flags=["ACK"]))
                    if isinstance(frame, PingFrame) and "ACK" not in frame.flags and self.acknowledges:
                        self.send(PingFrame(0, opaque_data=frame.opaque_data, flags=["ACK"]))
                    if isinstance(frame, HeadersFrame):
                        frame.decoded = dict(self.decoder.decode(frame.data))
                    return frame
            remaining = end - time.monotonic()
            if remaining <= 0:
                return "timeout"
            self.sock.settimeout(remaining)
            try:
                data = self.sock.recv(1 << 20)
            except socket.timeout:
                return "timeout"
            except ConnectionResetError:
                return "closed"
            if not data:
                return "closed"
            self.buffer += data

    def until(self, predicate, what):
        """Reads frames until one satisfies `predicate`; fails at EOF or timeout."""
        seen = []
        while True:
            frame = self.next_frame()
            if isinstance(frame, str):
                raise AssertionError(f"{frame} while waiting for {what}; seen {seen[-5:]}")
            seen.append(frame)
            if predicate(frame):
                return frame

    def until_closed(self):
        """Reads (and keeps) frames until EOF; fails on timeout."""
        frames = []
        while True:
            frame = self.next_frame()
            if frame == "closed":
                return frames
            expect(frame != "timeout", f"the connection stayed open; last frames {frames[-5:]}")
            frames.append(frame)


CONFIGURED_TIMEOUT = 0.2


def ended_after_configured_timeout(start):
    elapsed = time.monotonic() - start
    expect(CONFIGURED_TIMEOUT * 0.9 <= elapsed < 3, f"ended after {elapsed:.2f} s; configured {CONFIGURED_TIMEOUT} s")


def preface_timeout():
    # Connect and send nothing: the server closes after its preface timeout.
    start = time.monotonic()
    raw = Raw(preface=False)
    raw.until_closed()
    ended_after_configured_timeout(start)


def header_timeout():
    # A HEADERS frame without END_HEADERS and no CONTINUATION: GOAWAY PROTOCOL_ERROR, then close.
    raw = Raw()
    raw.handshake()  # nothing may follow the open header block, not even a SETTINGS ACK
    block = raw.encoder.encode(request_headers("/lifelong.test.Probe/Echo"))
    start = time.monotonic()
    raw.send(HeadersFrame(1, block, flags=[]))
    goaway = raw.until(lambda f: isinstance(f, GoAwayFrame), "GOAWAY")
    expect(goaway.error_code == PROTOCOL_ERROR, f"GOAWAY error code {goaway.error_code}")
    ended_after_configured_timeout(start)
    raw.until_closed()


def idle_timeout():
    # No streams at all: a graceful GOAWAY (notice, PING, final), then close.
    start = time.monotonic()
    raw = Raw()
    first = raw.until(lambda f: isinstance(f, GoAwayFrame), "the first GOAWAY")
    ended_after_configured_timeout(start)
    expect(first.last_stream_id == MAX_STREAM_ID and first.error_code == 0, f"first GOAWAY {first}")
    final = raw.until(lambda f: isinstance(f, GoAwayFrame), "the final GOAWAY")
    expect(final.last_stream_id == 0 and final.error_code == 0, f"final GOAWAY {final}")
    raw.until_closed()


def write_stall():
    # Open every window, ask for an endless stream, then read nothing: the server must give up.
    raw = Raw(settings={SettingsFrame.INITIAL_WINDOW_SIZE: MAX_STREAM_ID})
    raw.send(WindowUpdateFrame(0, window_increment=MAX_STREAM_ID - 65535),
             raw.headers(1, "/lifelong.test.Probe/Flood"),
             DataFrame(1, grpc_message(b""), flags=["END_STREAM"]))
    print("STALLED", flush=True)
    sys.stdin.readline()
    # The server closed (the test saw its handler fail); what it had written drains, then EOF.
    raw.until_closed()


def graceful_shutdown():
    raw = Raw()
    raw.send(raw.headers(1, "/lifelong.test.Probe/Echo"), DataFrame(1, grpc_message(b"first")))
    raw.until(lambda f: isinstance(f, DataFrame) and f.stream_id == 1 and f.data, "the first echo")
    # The test starts the shutdown once the handler has seen the first message.
    first = raw.until(lambda f: isinstance(f, GoAwayFrame), "the first GOAWAY")
    expect(first.last_stream_id == MAX_STREAM_ID and first.error_code == 0, f"first GOAWAY {first}")
    final = raw.until(lambda f: isinstance(f, GoAwayFrame), "the final GOAWAY")
    expect(final.last_stream_id == 1 and final.error_code == 0, f"final GOAWAY {final}")
    # A new stream after the final GOAWAY is not processed; the call in flight goes on.
    raw.send(raw.headers(3, "/lifelong.test.Probe/Echo"), DataFrame(3, grpc_message(b"late"), flags=["END_STREAM"]))
    raw.send(DataFrame(1, grpc_message(b"second"), flags=["END_STREAM"]))
    frames = raw.until_closed()
    data = b"".join(f.data for f in frames if isinstance(f, DataFrame) and f.stream_id == 1)
    expect(data == grpc_message(b"second"), f"stream 1 data {data!r}")
    trailers = [f.decoded for f in frames if isinstance(f, HeadersFrame) and f.stream_id == 1]
    expect(trailers and trailers[-1].get("grpc-status") == "0", f"stream 1 trailers {trailers}")
    late = [f for f in frames if f.stream_id == 3]
    expect(all(isinstance(f, RstStreamFrame) and f.error_code == 7 for f in late),
           f"stream 3 after the final GOAWAY was answered: {late}")


def refused():
    # Beyond a connection limit: the server's SETTINGS, GOAWAY(0, ENHANCE_YOUR_CALM, the limit), EOF.
    raw = Raw()
    frames = raw.until_closed()
    goaways = [f for f in frames if isinstance(f, GoAwayFrame)]
    expect(len(goaways) == 1, f"frames {frames}")
    expect(goaways[0].last_stream_id == 0 and goaways[0].error_code == 11, f"GOAWAY {goaways[0]}")
    expect(goaways[0].additional_data == sys.argv[3].encode(), f"GOAWAY debug data {goaways[0].additional_data!r}")


def reset_close(raw):
    """Closes the socket with a TCP reset (SO_LINGER 0): the peer vanishes mid-call."""
    raw.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    raw.sock.close()


def disconnect_mid_upload():
    # A client stream: three messages, no END_STREAM, then the TCP connection is reset.
    raw = Raw()
    raw.send(raw.headers(1, "/lifelong.test.Disconnect/Upload"),
             *[DataFrame(1, grpc_message(bytes([n]) * 100)) for n in range(3)])
    print("SENT", flush=True)
    sys.stdin.readline()  # the server has read them (a reset would discard unread data)
    reset_close(raw)


def disconnect_mid_response():
    # A response stream: once its first DATA arrives, the TCP connection is reset.
    raw = Raw()
    raw.send(raw.headers(1, "/lifelong.test.Disconnect/Flood"),
             DataFrame(1, grpc_message(b""), flags=["END_STREAM"]))
    raw.until(lambda f: isinstance(f, DataFrame) and f.stream_id == 1, "the first DATA")
    reset_close(raw)


def main():
    try:
        globals()[CASE]()
        print(f"PASS {CASE}", flush=True)
    except Exception as error:
        print(f"FAIL {CASE}: {error!r}", flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
