"""Runs into each limit of our server's HTTP2ServerConfiguration, as a peer would, with h2.

usage: limits_client.py HOST:PORT --pid SERVER_PID --cases a,b,… [--max-rss-growth-mib N]
The server is rpc-benchmark-server started with short limits (LimitTests.swift says which):
  time limits:       maxRequestReceiveTime=1000 maxZeroWindowTime=1000
  byte limits:       maxPendingInboundBytesPerConnection=1048576
                     maxPendingOutboundBytesPerConnection=262144
  connection limits: maxConnectionAge=4000 maxConnectionAgeGrace=1000 keepaliveInterval=1000
                     keepaliveTimeout=500
Each case checks what the peer gets (the status or frame, with the limit's name) and that the
configured value, not the default far away, is the one applied (elapsed time at least the
limit). Around every case a well-behaved grpcio client keeps calling with zero errors and the
server's RSS peak is bounded (see h2_peer.run_cases).
"""
import resource

from h2_peer import *  # noqa: F401,F403 (the shared client, helpers and constants)
from h2_peer import EXTRA, run_cases

SERVICE = "/lifelong.testing.v1.ProbeService"
DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, UNAVAILABLE = "4", "8", "14"


def leaf(name="", value=0):
    """A Leaf message (name = 1, value = 2), framed with the gRPC prefix."""
    name_bytes = name.encode()
    message = b""
    if name_bytes:
        message += b"\x0a" + varint(len(name_bytes)) + name_bytes
    if value:
        message += b"\x10" + varint(value)
    return b"\x00" + struct.pack(">I", len(message)) + message


def varint(value):
    out = b""
    while True:
        low = value & 0x7F
        value >>= 7
        if value:
            out += bytes([low | 0x80])
        else:
            return out + bytes([low])


def send_body(client, stream, data, end=False, deadline=10.0):
    """Sends `data` on `stream` as flow control allows, reading WINDOW_UPDATEs as needed."""
    events = []
    stop = time.monotonic() + deadline
    while data and time.monotonic() < stop:
        window = min(client.conn.local_flow_control_window(stream), client.conn.max_outbound_frame_size)
        if window <= 0:
            events += client.events(lambda e: client.conn.local_flow_control_window(stream) > 0 or ended(stream)(e),
                                    deadline=0.5)
            if ended(stream)(events):
                return events
            continue
        client.conn.send_data(stream, data[:window])
        data = data[window:]
        client.flush()
    if end:
        client.conn.end_stream(stream)
        client.flush()
    return events


def status_and_message(events, stream):
    headers = headers_of(events, stream)
    return headers.get("grpc-status"), headers.get("grpc-message", "")


def resets(events, stream):
    return [e.error_code for e in events if isinstance(e, h2.events.StreamReset) and e.stream_id == stream]


def request_receive_time():
    """A client-streaming call whose request never ends: DEADLINE_EXCEEDED after 1 s."""
    client = Client()
    start = time.monotonic()
    stream = client.call(request_headers(**{":path": SERVICE + "/Sum"}), leaf("a", 1), end=False)
    events = client.events(ended(stream), deadline=10)
    elapsed = time.monotonic() - start
    client.close()
    status, message = status_and_message(events, stream)
    expect(status == DEADLINE_EXCEEDED, f"status {status} {message!r}")
    expect("maxRequestReceiveTime" in message, f"message {message!r}")
    expect(0.9 <= elapsed < 10, f"ended after {elapsed:.2f} s, the limit is 1 s")


def zero_window():
    """A server-streaming call whose client reads nothing: RST_STREAM ENHANCE_YOUR_CALM after 1 s
    of a window of 0, and the stream's buffered response is freed."""
    client = Client()
    start = time.monotonic()
    stream = client.call(request_headers(**{":path": SERVICE + "/Expand"}), leaf("x" * 1000, 2000))
    events = client.events(ended(stream), deadline=10)
    elapsed = time.monotonic() - start
    received = sum(len(e.data) for e in events if isinstance(e, h2.events.DataReceived) and e.stream_id == stream)
    client.close()
    expect(resets(events, stream) == [ENHANCE_YOUR_CALM], f"resets {resets(events, stream)}, events {events[-3:]}")
    expect(received <= 65535, f"received {received} bytes, more than the window")
    expect(0.9 <= elapsed < 10, f"reset after {elapsed:.2f} s, the limit is 1 s")


def pending_inbound():
    """Four unary calls each sending 400 KB of a 1 MB message: past 1 MiB held for the
    connection, the call that goes beyond gets RESOURCE_EXHAUSTED; the others are intact."""
    client = Client()
    streams = []
    events = []
    for _ in range(4):
        stream = client.conn.get_next_available_stream_id()
        client.conn.send_headers(stream, request_headers(**{":path": SERVICE + "/Echo"}), end_stream=False)
        client.flush()
        streams.append(stream)
        events += send_body(client, stream, b"\x00" + struct.pack(">I", 1_000_000) + b"\x00" * 400_000)
    if not any(status_and_message(events, s)[0] for s in streams):
        events += client.events(lambda e: any(status_and_message(e, s)[0] for s in streams), deadline=5)
    failed = [s for s in streams if status_and_message(events, s)[0] is not None]
    client.close()
    expect(len(failed) >= 1, "no call was refused")
    for stream in failed:
        status, message = status_and_message(events, stream)
        expect(status == RESOURCE_EXHAUSTED, f"stream {stream}: status {status} {message!r}")
        expect("maxPendingInboundBytesPerConnection" in message, f"message {message!r}")
    expect(streams[0] not in failed and streams[1] not in failed, f"refused {failed}: the first two fit in 1 MiB")


def pending_outbound():
    """Six server-streaming calls whose client reads only the first 64 KiB (the connection
    window): past 256 KiB of responses held for the connection, a call gets RESOURCE_EXHAUSTED
    (seen once the client reads again); the others then complete in full."""
    client = Client()
    streams = [client.call(request_headers(**{":path": SERVICE + "/Expand"}), leaf("y" * 1000, 300)) for _ in range(6)]
    events = client.events(lambda e: False, deadline=0.4)  # the handlers fill their buffers
    for stream in streams:
        if client.conn.streams.get(stream) is not None and not ended(stream)(events):
            client.conn.increment_flow_control_window(16 << 20, stream_id=stream)
    client.conn.increment_flow_control_window(16 << 20)
    client.flush()
    events += client.events(lambda e: all(ended(s)(e) for s in streams), deadline=10)
    client.close()
    statuses = {s: status_and_message(events, s) for s in streams}
    refused = [s for s, (status, _) in statuses.items() if status == RESOURCE_EXHAUSTED]
    expect(refused, f"no call was refused: {statuses}")
    for stream in refused:
        expect("maxPendingOutboundBytesPerConnection" in statuses[stream][1], f"message {statuses[stream][1]!r}")
    for stream in streams:
        if stream in refused:
            continue
        received = sum(len(e.data) for e in events if isinstance(e, h2.events.DataReceived) and e.stream_id == stream)
        expect(statuses[stream][0] == "0", f"stream {stream}: {statuses[stream]}")
        expect(received == 300 * len(leaf("y" * 1000, 300)), f"stream {stream} received {received} bytes")


def keepalive_timeout():
    """A peer that completes the preface, then reads and answers nothing (a vanished host):
    closed after the keepalive PING (1 s) goes unanswered for 0.5 s. A peer that answers stays."""
    silent = socket.create_connection((HOST, PORT), timeout=10)
    silent.sendall(PREFACE + SettingsFrame(0).serialize())
    start = time.monotonic()
    time.sleep(1.2)  # the server's SETTINGS and PING wait unread; nothing is acknowledged
    closed_after = None
    while time.monotonic() - start < 10:
        silent.settimeout(0.05)
        try:
            data = silent.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            data = b""
        if not data:
            closed_after = time.monotonic() - start
            break
        # Swallow what arrives without answering it.
    silent.close()
    expect(closed_after is not None, "the silent peer was never closed")
    expect(1.4 <= closed_after < 10, f"closed after {closed_after:.2f} s; interval 1 s + timeout 0.5 s")

    live = Client()
    events = live.events(lambda e: False, deadline=2.5)
    pings = [e for e in events if isinstance(e, h2.events.PingReceived)]
    live.close()
    expect("closed" not in events, "a peer that answers the PINGs was closed")
    expect(len(pings) >= 2, f"{len(pings)} keepalive PINGs in 2.5 s with an interval of 1 s")


def max_connection_age():
    """Connections reach their maximum age (4 s): GOAWAY NO_ERROR; a call still open gets the
    grace period (1 s), then UNAVAILABLE. (The call runs on grpcio: h2 reads nothing after a
    GOAWAY.)"""
    # Raw frames: h2 drops the events of a read that also holds a frame it refuses after a
    # GOAWAY (the shutdown PING), so the GOAWAY is read from the frames themselves.
    from hyperframe.frame import Frame, GoAwayFrame, PingFrame
    sock = socket.create_connection((HOST, PORT), timeout=10)
    sock.sendall(PREFACE + SettingsFrame(0).serialize())
    start = time.monotonic()
    buffer, goaways, goaway_at = b"", [], None
    while not goaways and time.monotonic() - start < 10:
        sock.settimeout(0.5)
        try:
            data = sock.recv(65536)
        except socket.timeout:
            continue
        if not data:
            break
        buffer += data
        while len(buffer) >= 9:
            frame, length = Frame.parse_frame_header(memoryview(buffer[:9]))
            if len(buffer) < 9 + length:
                break
            frame.parse_body(memoryview(buffer[9:9 + length]))
            buffer = buffer[9 + length:]
            if isinstance(frame, SettingsFrame) and "ACK" not in frame.flags:
                sock.sendall(SettingsFrame(0, flags=["ACK"]).serialize())
            if isinstance(frame, PingFrame) and "ACK" not in frame.flags:
                sock.sendall(PingFrame(0, opaque_data=frame.opaque_data, flags=["ACK"]).serialize())
            if isinstance(frame, GoAwayFrame):
                goaways.append(frame)
                goaway_at = time.monotonic() - start
    sock.close()
    expect(goaways and goaways[0].error_code == 0, f"GOAWAY {goaways}")
    expect(3.9 <= goaway_at < 10, f"GOAWAY after {goaway_at:.2f} s, the maximum age is 4 s")

    channel = grpc.insecure_channel(f"{HOST}:{PORT}")
    sum_call = channel.stream_unary(SERVICE + "/Sum", request_serializer=None, response_deserializer=None)
    release = threading.Event()

    def requests():
        yield leaf("a", 1)[5:]
        release.wait(15)

    start = time.monotonic()
    try:
        sum_call(requests(), timeout=15)
        outcome = "OK"
    except grpc.RpcError as error:
        outcome = error.code()
    elapsed = time.monotonic() - start
    release.set()
    channel.close()
    expect(outcome == grpc.StatusCode.UNAVAILABLE, f"the open call ended with {outcome}")
    expect(elapsed >= 4.9 * 0.8, f"the call ended after {elapsed:.2f} s; age 4 s + grace 1 s from its connection's start")


def idle_connections():
    """1,000 connections past their preface, then idle: the server's RSS per idle connection."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    memory = MemorySampler(ARGS.pid)
    before = memory.rss()
    sockets = []
    for _ in range(1000):
        sock = socket.create_connection((HOST, PORT), timeout=10)
        sock.sendall(PREFACE + SettingsFrame(0).serialize())
        sockets.append(sock)
    time.sleep(0.5)
    for sock in sockets:  # read the server's SETTINGS; acknowledge them
        sock.settimeout(2)
        sock.recv(65536)
        sock.sendall(SettingsFrame(flags=["ACK"]).serialize())
    time.sleep(0.5)
    after = memory.rss()
    memory.close()
    for sock in sockets:
        sock.close()
    per_connection_kib = (after - before) / 1000
    print(f"INFO idle_connections rss_before_kib={before} rss_after_kib={after} "
          f"per_idle_connection_kib={per_connection_kib:.1f}", flush=True)
    expect(per_connection_kib <= 64, f"{per_connection_kib:.1f} KiB per idle connection")


ALL = [request_receive_time, zero_window, pending_inbound, pending_outbound, keepalive_timeout, max_connection_age,
       idle_connections]

if __name__ == "__main__":
    selected = []
    for index, argument in enumerate(EXTRA):
        if argument == "--cases":
            selected = EXTRA[index + 1].split(",")
    run_cases([case for case in ALL if not selected or case.__name__ in selected])
