"""A raw HTTP/2 server (h2) that counts the client's PINGs, for our client's keepalive test.

Prints 'PORT n'. Answers each gRPC request once the connection has sent 3 PINGs (each is
acknowledged as it arrives) and the request has waited HOLD_SECONDS, with one message
b'pings=N' (every PING the connection sent so far) and grpc-status 0. The client compares N
with the time its call took: a count is not shortened or stretched when this process is slow
to read, as time stamps taken here would be. Exits when its stdin closes.
"""
import select
import socket
import sys
import time

import h2.config
import h2.connection
import h2.events

WANTED_PINGS = 3
HOLD_SECONDS = 0.4

listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(8)
print(f"PORT {listener.getsockname()[1]}", flush=True)

connections = {}  # socket -> [H2Connection, ping times, pending stream ids]


def answer(sock, state):
    conn, pings, pending = state
    while pending and len(pings) >= WANTED_PINGS and time.monotonic() - pending[0][1] >= HOLD_SECONDS:
        stream = pending.pop(0)[0]
        body = f"pings={len(pings)}".encode()
        conn.send_headers(stream, [(":status", "200"), ("content-type", "application/grpc")])
        conn.send_data(stream, b"\x00" + len(body).to_bytes(4, "big") + body)
        conn.send_headers(stream, [("grpc-status", "0")], end_stream=True)
    sock.sendall(conn.data_to_send())


while True:
    readable, _, _ = select.select([listener, sys.stdin] + list(connections), [], [], 0.02)
    if sys.stdin in readable and not sys.stdin.readline():
        break
    if listener in readable:
        sock, _ = listener.accept()
        conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        conn.initiate_connection()
        sock.sendall(conn.data_to_send())
        connections[sock] = [conn, [], []]
    for sock in [s for s in readable if s in connections]:
        data = sock.recv(65536)
        if not data:
            del connections[sock]
            sock.close()
            continue
        state = connections[sock]
        for event in state[0].receive_data(data):
            if isinstance(event, h2.events.PingReceived):
                state[1].append(time.monotonic())
            elif isinstance(event, h2.events.RequestReceived):
                state[2].append((event.stream_id, time.monotonic()))
            elif isinstance(event, h2.events.DataReceived):
                state[0].acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        answer(sock, state)
    for sock, state in list(connections.items()):
        answer(sock, state)
