"""Raw HTTP/2 abuse against a gRPC server, with h2/hyperframe/hpack.

usage: abuse_client.py HOST:PORT [--pid SERVER_PID] [--path /pkg.Service/Method] [--max-rss-growth-mib N]
The method must answer an empty request with an empty response (an Echo, or EmptyCall).

Each case prints 'PASS name …' or 'FAIL name: reason'. While a case runs, a well-behaved grpcio
client calls the server in a loop on a thread of its own: it must see zero errors and complete
calls during the case and after it. With --pid, the server's VmRSS (/proc/PID/status) is sampled
every few milliseconds during the case; its peak may exceed the value before the case by at most
--max-rss-growth-mib (default 64). Exits 1 when any case failed.
"""
import argparse
import socket
import struct
import sys
import threading
import time

import grpc
import h2.config
import h2.connection
import h2.events
import h2.errors
import hpack
from hyperframe.frame import ContinuationFrame, DataFrame, HeadersFrame, PingFrame, RstStreamFrame, SettingsFrame

ARGS = argparse.ArgumentParser()
ARGS.add_argument("address")
ARGS.add_argument("--pid", type=int)
ARGS.add_argument("--path", default="/lifelong.testing.v1.ProbeService/Echo")
ARGS.add_argument("--max-rss-growth-mib", type=float, default=64)
ARGS = ARGS.parse_args()
HOST, PORT = ARGS.address.rsplit(":", 1)
PORT = int(PORT)
PATH = ARGS.path
FRAME_SIZE_ERROR = 6
ENHANCE_YOUR_CALM = 11
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def request_headers(**overrides):
    headers = {":method": "POST", ":scheme": "http", ":path": PATH, ":authority": f"{HOST}:{PORT}",
               "content-type": "application/grpc", "te": "trailers"}
    headers.update(overrides)
    return [(k, v) for k, v in headers.items() if v is not None]


class Client:
    def __init__(self):
        self.sock = socket.create_connection((HOST, PORT), timeout=10)
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(
            client_side=True, header_encoding="utf-8", validate_outbound_headers=False,
            normalize_outbound_headers=False))
        self.conn.initiate_connection()
        self.flush()

    def flush(self):
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def events(self, until, deadline=10.0):
        """Reads until `until(events)` is true, the connection closes or the deadline passes."""
        collected = []
        end = time.monotonic() + deadline
        while not until(collected) and time.monotonic() < end:
            self.sock.settimeout(max(0.01, end - time.monotonic()))
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                collected.append("closed")
                break
            if not data:
                collected.append("closed")
                break
            try:
                collected += self.conn.receive_data(data)
            except h2.exceptions.ProtocolError as error:
                collected.append(("protocol-error", error))
                break
            try:
                self.flush()
            except (BrokenPipeError, ConnectionResetError):
                collected.append("closed")
                break
        return collected

    def call(self, headers, body=b"\x00\x00\x00\x00\x00", end=True):
        stream = self.conn.get_next_available_stream_id()
        self.conn.send_headers(stream, headers, end_stream=False)
        self.conn.send_data(stream, body, end_stream=end)
        self.flush()
        return stream

    def close(self):
        self.sock.close()


def ended(stream):
    return lambda events: any(isinstance(e, (h2.events.StreamEnded, h2.events.StreamReset)) and e.stream_id == stream
                              for e in events if not isinstance(e, (str, tuple)))


def headers_of(events, stream):
    result = {}
    for e in events:
        if isinstance(e, (h2.events.ResponseReceived, h2.events.TrailersReceived)) and e.stream_id == stream:
            result.update(dict(e.headers))
    return result


def grpc_status(headers_override, body=b"\x00\x00\x00\x00\x00"):
    client = Client()
    stream = client.call(request_headers(**headers_override), body)
    events = client.events(ended(stream))
    client.close()
    return headers_of(events, stream)


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


class WellBehavedClient:
    """A grpcio client calling the server in a loop on its own thread, counting per window."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ok = 0
        self.errors = []
        self.stopping = False
        self.channel = grpc.insecure_channel(f"{HOST}:{PORT}")
        self.method = self.channel.unary_unary(PATH, request_serializer=None, response_deserializer=None)
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while not self.stopping:
            try:
                response = self.method(b"", timeout=10)
                with self.lock:
                    if response == b"":
                        self.ok += 1
                    else:
                        self.errors.append(f"response {response!r}")
            except grpc.RpcError as error:
                with self.lock:
                    self.errors.append(f"{error.code()}: {error.details()}")

    def window(self):
        with self.lock:
            ok, errors = self.ok, list(self.errors)
            self.ok, self.errors = 0, []
        return ok, errors

    def wait_for(self, calls, deadline=20.0):
        """Waits until `calls` more calls succeeded (or one failed), bounded by the deadline."""
        with self.lock:
            target = self.ok + calls
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            with self.lock:
                if self.ok >= target or self.errors:
                    return
            time.sleep(0.005)

    def close(self):
        self.stopping = True
        self.thread.join(timeout=15)
        self.channel.close()


class MemorySampler:
    """Samples the server's VmRSS (KiB) on a thread; tracks the peak per window."""

    def __init__(self, pid):
        self.pid = pid
        self.peak = 0
        self.stopping = False
        self.lock = threading.Lock()
        if pid:
            self.thread = threading.Thread(target=self.loop, daemon=True)
            self.thread.start()

    def rss(self):
        with open(f"/proc/{self.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def loop(self):
        while not self.stopping:
            value = self.rss()
            with self.lock:
                self.peak = max(self.peak, value)
            time.sleep(0.002)

    def start_window(self):
        if not self.pid:
            return 0
        value = self.rss()
        with self.lock:
            self.peak = value
        return value

    def end_window(self):
        if not self.pid:
            return 0, 0
        value = self.rss()
        with self.lock:
            return max(self.peak, value), value

    def close(self):
        self.stopping = True


CASES = [wrong_content_type, unsupported_encoding, malformed_timeout, missing_te, huge_length_prefix,
         unknown_method, data_frame_20k, rapid_reset, continuation_flood, settings_40_entries, hpack_bomb,
         streams_150, ping_flood]


def main():
    failed = 0
    good = WellBehavedClient()
    memory = MemorySampler(ARGS.pid)
    good.wait_for(5)
    for case in CASES:
        try:
            good.window()
            before = memory.start_window()
            good.wait_for(1)  # the good client is running when the attack starts
            case()
            good.wait_for(3)  # and keeps succeeding after it
            peak, after = memory.end_window()
            ok, errors = good.window()
            expect(not errors, f"the well-behaved client saw {len(errors)} errors: {errors[:3]}")
            expect(ok >= 4, f"the well-behaved client completed only {ok} calls")
            growth_mib = (peak - before) / 1024
            expect(growth_mib <= ARGS.max_rss_growth_mib,
                   f"server RSS grew by {growth_mib:.1f} MiB (before {before} KiB, peak {peak} KiB)")
            print(f"PASS {case.__name__} good_calls={ok} rss_before_kib={before} rss_peak_kib={peak} "
                  f"rss_after_kib={after}", flush=True)
        except Exception as error:
            failed += 1
            print(f"FAIL {case.__name__}: {error!r}".replace("\n", "\\n"), flush=True)
    memory.close()
    good.close()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
