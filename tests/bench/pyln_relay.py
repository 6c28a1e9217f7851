#!/usr/bin/env python3
"""The baseline lnwatch is measured against: a relay written the way the plugin tutorials write
plugins, on pyln-client. It subscribes to every notification and writes each one as a JSON line
to every client of a Unix socket. Used only by `lnwatch-bench pyln` (see docs/benchmarks.md)."""

import json
import os
import socket
import threading

from pyln.client import Plugin

plugin = Plugin()
plugin.add_option("pyln-relay-socket", "pyln.sock", "Unix socket path")
clients = []
lock = threading.Lock()


def accept_loop(server):
    while True:
        conn, _ = server.accept()
        with lock:
            clients.append(conn)


@plugin.init()
def init(options, configuration, plugin, **kwargs):
    path = os.path.join(configuration["lightning-dir"], "..", options["pyln-relay-socket"])
    if os.path.exists(path):
        os.unlink(path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    os.chmod(path, 0o600)
    server.listen()
    threading.Thread(target=accept_loop, args=(server,), daemon=True).start()


@plugin.subscribe("*")
def relay(plugin, request, **kwargs):
    msg = {"type": "event", "topic": request.method, "params": request.params}
    line = (json.dumps(msg, separators=(",", ":"), default=str) + "\n").encode()
    with lock:
        for c in list(clients):
            try:
                c.sendall(line)
            except OSError:
                clients.remove(c)


plugin.run()
