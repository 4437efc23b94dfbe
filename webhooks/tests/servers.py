"""Misbehaving endpoints on 127.0.0.1 for the tests: a raw TCP server in a thread that reads the request and
then runs a behaviour (dribble a byte at a time, send a huge reply, say nothing) on each connection."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable


class ScriptedServer:
    def __init__(self, behaviour: Callable[[socket.socket, ScriptedServer], None]) -> None:
        self.behaviour = behaviour
        self.sent = 0  # bytes of reply written (huge reply)
        self.connections = 0
        self.stop = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def port(self) -> int:
        return self.listener.getsockname()[1]

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(5)
            conn.recv(65536)  # the request (small)
            self.behaviour(conn, self)
        except OSError:
            pass
        finally:
            conn.close()

    def __enter__(self) -> ScriptedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=2)
        self.listener.close()


def dribble(conn: socket.socket, server: ScriptedServer) -> None:
    """Headers at once, then one byte of body every 0.2 s for 20 s (each read is quick, the whole is not)."""
    conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 100\r\n\r\n")
    for _ in range(100):
        if server.stop.is_set():
            return
        conn.sendall(b"x")
        time.sleep(0.2)


def silent(conn: socket.socket, server: ScriptedServer) -> None:
    """Reads the request and never answers."""
    server.stop.wait(20)


def huge(conn: socket.socket, server: ScriptedServer) -> None:
    """A 300 MiB reply (NUL bytes), written until the client hangs up."""
    total = 300 * 1024 * 1024
    conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\n"
                 + f"content-length: {total}\r\n\r\n".encode())
    chunk = b"\x00" * 65536
    while server.sent < total and not server.stop.is_set():
        conn.sendall(chunk)
        server.sent += len(chunk)


def slow_ok(conn: socket.socket, server: ScriptedServer) -> None:
    """Answers 200 after a second."""
    time.sleep(1)
    conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
