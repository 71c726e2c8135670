"""File locks (flock) that keep two writers off one data folder, without importing the store.

A lock is held through an open descriptor; the kernel drops it when the process dies, so a
kill -9 never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


def lock_file(path: Path, mode: int) -> int | None:
    """Take a non-blocking flock; return the descriptor, or None when someone else holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def is_locked(path: Path) -> bool:
    fd = lock_file(path, fcntl.LOCK_EX)
    if fd is None:
        return True
    os.close(fd)
    return False
