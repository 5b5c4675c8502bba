#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""relay.py LISTEN_PORT TARGET_PORT: a plain TCP relay on 127.0.0.1, the network between a
booth and the central database. Killing it cuts every connection at once and leaves the port
closed (connection refused) until it is started again."""
import selectors
import socket
import sys

listen_port, target_port = int(sys.argv[1]), int(sys.argv[2])
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", listen_port))
server.listen(64)
sel = selectors.DefaultSelector()
sel.register(server, selectors.EVENT_READ)
peer = {}


def close(s):
    other = peer.pop(s, None)
    for x in (s, other):
        if x is None:
            continue
        peer.pop(x, None)
        try:
            sel.unregister(x)
        except (KeyError, ValueError):
            pass
        x.close()


while True:
    for key, _ in sel.select():
        s = key.fileobj
        if s is server:
            client, _ = server.accept()
            try:
                upstream = socket.create_connection(("127.0.0.1", target_port), 5)
            except OSError:
                client.close()
                continue
            peer[client], peer[upstream] = upstream, client
            sel.register(client, selectors.EVENT_READ)
            sel.register(upstream, selectors.EVENT_READ)
            continue
        try:
            data = s.recv(65536)
        except OSError:
            data = b""
        if not data or s not in peer:
            close(s)
            continue
        try:
            peer[s].sendall(data)
        except OSError:
            close(s)
