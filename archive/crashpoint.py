"""A test hook: kill the cycle's process at a named point, to prove a crash there loses nothing.

`GONGKAI_CRASH_AT=detected` makes the process that runs a cycle SIGKILL itself right after
detection committed the cycle's events (before attachments, extraction, the register and
alerts): the window in which an OOM kill or a power cut once lost alerts for good. SIGKILL, not
an exception: nothing of ours runs after it, exactly as after a real kill. Unset, it costs one
environment lookup per point; nothing else reads it.
"""

from __future__ import annotations

import os
import signal

ENV = "GONGKAI_CRASH_AT"


def reached(name: str) -> None:
    """Die here, at once, if the environment names this point."""
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
