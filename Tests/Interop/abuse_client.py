"""Raw HTTP/2 abuse against a gRPC server, with h2/hyperframe/hpack.

usage: abuse_client.py HOST:PORT [--pid SERVER_PID] [--path /pkg.Service/Method] [--max-rss-growth-mib N]
The method must answer an empty request with an empty response (an Echo, or EmptyCall).

Each case prints 'PASS name …' or 'FAIL name: reason'. While a case runs, a well-behaved grpcio
client calls the server in a loop on a thread of its own: it must see zero errors and complete
calls during the case and after it. With --pid, the server's VmRSS (/proc/PID/status) is sampled
every few milliseconds during the case; its peak may exceed the value before the case by at most
--max-rss-growth-mib (default 64). Exits 1 when any case failed.
"""
from h2_peer import *  # noqa: F401,F403 (the shared client, helpers and constants)
from h2_peer import run_cases


def wrong_content_type():
    headers = grpc_status({"content-type": "text/plain"})
    expect(headers.get(":status") == "415", f"headers {headers}")


def unsupported_encoding():
    headers = grpc_status({"grpc-encoding": "br"})
    expect(headers.get("grpc-status") == "12", f"headers {headers}")
    expect("'br'" in headers.get("grpc-message", ""), f"the encoding is not named in {headers}")
    accepted = {name.strip() for name in headers.get("grpc-accept-encoding", "").split(",")}
    expect({"identity", "gzip", "deflate"} <= accepted, f"grpc-accept-encoding in {headers}")


def malformed_timeout():
    headers = grpc_status({"grpc-timeout": "12x"})
    expect(headers.get("grpc-status") == "13", f"headers {headers}")


def missing_te():
    # Accepted, as grpc-go does: te only guards against proxies that drop trailers.
    headers = grpc_status({"te": None})
    expect(headers.get("grpc-status") == "0", f"headers {headers}")


def huge_length_prefix():
    headers = grpc_status({}, body=b"\x00\xff\xff\xff\xff")
    expect(headers.get("grpc-status") == "8", f"headers {headers}")


def unknown_method():
    headers = grpc_status({":path": PATH.rsplit("/", 1)[0] + "/Nope"})
    expect(headers.get("grpc-status") == "12", f"headers {headers}")


def goaway_or_close(events):
    return any(e == "closed" or isinstance(e, h2.events.ConnectionTerminated) or isinstance(e, tuple) for e in events)


def goaway_codes(events):
    return [e.error_code for e in events if isinstance(e, h2.events.ConnectionTerminated)]


def data_frame_20k():
    # A DATA frame larger than the SETTINGS_MAX_FRAME_SIZE the server advertised (16384).
    client = Client()
    stream = client.conn.get_next_available_stream_id()
    client.conn.send_headers(stream, request_headers(), end_stream=False)
    client.flush()
    client.sock.sendall(DataFrame(stream, b"\x00" * 20480).serialize())
    events = client.events(goaway_or_close)
    client.close()
    codes = goaway_codes(events)
    expect(codes and codes[0] == FRAME_SIZE_ERROR, f"expected GOAWAY FRAME_SIZE_ERROR, got codes {codes}, events {events[-3:]}")


def rapid_reset():
    client = Client()
    data = bytearray()
    encoder = hpack.Encoder()
    block = encoder.encode(request_headers())
    for index in range(5000):
        stream = 1 + 2 * index
        data += HeadersFrame(stream, block, flags=["END_HEADERS"]).serialize()
        data += RstStreamFrame(stream, error_code=8).serialize()
    try:
        client.sock.sendall(bytes(data))
    except (BrokenPipeError, ConnectionResetError):
        client.close()
        return
    events = client.events(goaway_or_close)
    client.close()
    expect(goaway_or_close(events), "no GOAWAY and no close after 5000 HEADERS+RST_STREAM")


def continuation_flood():
    client = Client()
    encoder = hpack.Encoder()
    data = bytearray(HeadersFrame(1, encoder.encode(request_headers())).serialize())
    for _ in range(10000):
        data += ContinuationFrame(1, encoder.encode([("x-flood", "a" * 10)])).serialize()
    try:
        client.sock.sendall(bytes(data))
    except (BrokenPipeError, ConnectionResetError):
        client.close()
        return
    events = client.events(goaway_or_close)
    client.close()
    expect(goaway_or_close(events), "no GOAWAY and no close after 10000 CONTINUATION frames")


def settings_40_entries():
    client = Client()
    frame = SettingsFrame(0)
    payload = b"".join(struct.pack("!HL", 0x100 + i, i) for i in range(40))
    header = struct.pack("!L", len(payload))[1:] + b"\x04\x00" + struct.pack("!L", 0)
    client.sock.sendall(header + payload)
    events = client.events(goaway_or_close)
    client.close()
    expect(goaway_or_close(events), "no GOAWAY and no close after SETTINGS with 40 entries")


def hpack_bomb():
    client = Client()
    encoder = hpack.Encoder()
    big = "b" * 4000
    headers = request_headers() + [("x-bomb", big)] * 2000
    block = encoder.encode(headers)
    frames = bytearray()
    chunk = 16384
    first = True
    for offset in range(0, len(block), chunk):
        piece = block[offset:offset + chunk]
        last = offset + chunk >= len(block)
        flags = ["END_HEADERS"] if last else []
        frames += (HeadersFrame(1, piece, flags=flags) if first else ContinuationFrame(1, piece, flags=flags)).serialize()
        first = False
    try:
        client.sock.sendall(bytes(frames))
    except (BrokenPipeError, ConnectionResetError):
        client.close()
        return
    events = client.events(lambda ev: goaway_or_close(ev) or any(isinstance(e, h2.events.StreamReset) for e in ev
                                                                  if not isinstance(e, (str, tuple))))
    client.close()
    reset = any(isinstance(e, h2.events.StreamReset) for e in events if not isinstance(e, (str, tuple)))
    expect(reset or goaway_or_close(events), "the oversized header list was accepted")


def streams_150():
    client = Client()
    streams = []
    for _ in range(150):
        stream = client.conn.get_next_available_stream_id()
        client.conn.send_headers(stream, request_headers(), end_stream=False)
        streams.append(stream)
    client.flush()
    events = client.events(lambda ev: sum(isinstance(e, h2.events.StreamReset) for e in ev
                                          if not isinstance(e, (str, tuple))) >= 50, deadline=10)
    refused = [e for e in events if isinstance(e, h2.events.StreamReset) and e.error_code == h2.errors.ErrorCodes.REFUSED_STREAM]
    client.close()
    expect(len(refused) == 50, f"{len(refused)} streams refused, expected 50")


def ping_flood():
    client = Client()
    frame = PingFrame(0, opaque_data=b"12345678").serialize()
    sent = 0
    client.sock.settimeout(10)
    try:
        for _ in range(200):
            client.sock.sendall(frame * 1000)
            sent += 1000
    except (BrokenPipeError, ConnectionResetError, socket.timeout):
        pass
    events = client.events(goaway_or_close, deadline=10)
    client.close()
    expect(goaway_or_close(events) or sent < 200000, "200k PINGs without reading were all accepted")
    # The GOAWAY may be lost to the reset of a socket closed with unread data; when seen, it says why.
    codes = goaway_codes(events)
    expect(not codes or codes[0] == ENHANCE_YOUR_CALM, f"GOAWAY codes {codes}, expected ENHANCE_YOUR_CALM")


CASES = [wrong_content_type, unsupported_encoding, malformed_timeout, missing_te, huge_length_prefix,
         unknown_method, data_frame_20k, rapid_reset, continuation_flood, settings_40_entries, hpack_bomb,
         streams_150, ping_flood]


if __name__ == "__main__":
    run_cases(CASES)
