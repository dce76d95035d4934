"""Loopback helpers the side-by-side scripts share (standard library only): a free port on 127.0.0.1, and waiting
until a started process listens on one."""

import socket
import time

HOST = "127.0.0.1"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_listening(port, process, seconds=15):
    """True once `port` accepts a connection; False if `process` exits first or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            socket.create_connection((HOST, port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False
