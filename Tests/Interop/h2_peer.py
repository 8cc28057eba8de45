"""Shared parts of the raw HTTP/2 peers (abuse_client.py, limits_client.py): an h2 client on a
socket, a well-behaved grpcio client calling alongside, and a sampler of the server's memory.

Every peer takes HOST:PORT, --pid SERVER_PID, --path /pkg.Service/Method and
--max-rss-growth-mib N, plus its own options; `run_cases` runs a list of cases with the
well-behaved client and the memory bound around each, printing 'PASS name …' or 'FAIL name: reason'.
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


PARSER = argparse.ArgumentParser()
PARSER.add_argument("address")
PARSER.add_argument("--pid", type=int)
PARSER.add_argument("--path", default="/lifelong.testing.v1.ProbeService/Echo")
PARSER.add_argument("--max-rss-growth-mib", type=float, default=64)
ARGS, EXTRA = PARSER.parse_known_args()
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


def run_cases(CASES):
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
