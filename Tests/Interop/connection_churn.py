"""Opens and closes many connections to a server, one Echo call each, and checks that the
server's memory comes back: after a warm-up of W connections, B batches of N connections each,
and RSS may grow by at most the allowed growth over the last batch. A leak grows RSS with every
batch, so even a few hundred bytes per closed connection fail it (5,000 x 512 B = 2.4 MiB
against 2 MiB allowed); the allocator's one-time growth (a malloc arena that a thread first
uses under load, heap pages settling) happens once, in an earlier batch, and does not.

usage: connection_churn.py HOST:PORT --pid SERVER_PID [--warmup 500] [--connections 5000]
                           [--batches 2] [--max-growth-mib 2]
Prints `RSS warm=<KiB> batches=<KiB>,<KiB>,... per_connection_bytes=<n>` (the last batch's
growth per connection) and exits 1 when the last batch grew RSS by more than the bound.
"""
import argparse
import socket
import sys

import h2.config
import h2.connection
import h2.events

PATH = "/lifelong.testing.v1.ProbeService/Echo"
LEAF = b"\x0a\x05churn\x10\x01"
BODY = b"\x00" + len(LEAF).to_bytes(4, "big") + LEAF


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def one_call(host, port):
    sock = socket.create_connection((host, port), timeout=10)
    try:
        conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        conn.initiate_connection()
        stream = conn.get_next_available_stream_id()
        conn.send_headers(stream, [(":method", "POST"), (":scheme", "http"), (":path", PATH),
                                   (":authority", f"{host}:{port}"), ("content-type", "application/grpc"),
                                   ("te", "trailers")])
        conn.send_data(stream, BODY, end_stream=True)
        sock.sendall(conn.data_to_send())
        status = None
        while status is None:
            data = sock.recv(65536)
            if not data:
                raise RuntimeError("the server closed the connection before the call ended")
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.TrailersReceived):
                    status = dict(event.headers).get("grpc-status")
                elif isinstance(event, h2.events.ResponseReceived) and event.stream_ended:
                    status = dict(event.headers).get("grpc-status")
            sock.sendall(conn.data_to_send())
        if status != "0":
            raise RuntimeError(f"grpc-status {status}")
        conn.close_connection()
        sock.sendall(conn.data_to_send())
    finally:
        sock.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("target")
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--connections", type=int, default=5000)
    parser.add_argument("--batches", type=int, default=2)
    parser.add_argument("--max-growth-mib", type=float, default=2.0)
    args = parser.parse_args()
    host, port = args.target.rsplit(":", 1)
    port = int(port)
    for _ in range(args.warmup):
        one_call(host, port)
    readings = [rss_kib(args.pid)]
    for _ in range(args.batches):
        for _ in range(args.connections):
            one_call(host, port)
        readings.append(rss_kib(args.pid))
    growth = readings[-1] - readings[-2]
    per_connection = max(0, growth) * 1024 // args.connections
    print(f"RSS warm={readings[0]} batches={','.join(map(str, readings[1:]))} per_connection_bytes={per_connection}")
    if growth > args.max_growth_mib * 1024:
        print(f"FAIL: RSS grew by {growth} KiB over the last {args.connections} connections "
              f"(allowed {args.max_growth_mib} MiB)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
