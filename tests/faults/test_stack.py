"""scripts/stack.py's supervisor: a crashed child is restarted with back-off while the others
keep running, and SIGTERM twice (a process group signalled while cleaning up) still stops
everything it started — a child ignoring SIGTERM included."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.faults.conftest import wait_for

pytestmark = pytest.mark.faults

# Runs the real supervisor on small stand-in commands (the site's would need the demo data).
HARNESS = """
import json, signal, sys
sys.path.insert(0, {scripts!r})
import stack
stack.STOP_GRACE = 1.0
for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(signum, stack.interrupt)
sys.exit(stack.supervise(json.loads(sys.argv[1]), {{}}))
"""


def child(folder: Path, name: str, body: str) -> list[str]:
    """A stand-in process that records its pid in `folder/name` (one line per start)."""
    code = (
        "import os, signal, sys, time\n"
        f"open({str(folder / name)!r}, 'a').write(f'{{os.getpid()}}\\n')\n" + body
    )
    return [sys.executable, "-c", code]


def pids(path: Path) -> list[int]:
    return [int(line) for line in path.read_text().split()] if path.exists() else []


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_crashing_child_is_restarted_and_two_sigterms_still_stop_everything(tmp_path):
    commands = {
        "web": child(tmp_path, "web", "time.sleep(600)"),
        # Ignores SIGTERM, like a process stuck in clean-up: only SIGKILL stops it.
        "stubborn": child(
            tmp_path, "stubborn", "signal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(600)"
        ),
        "worker": child(tmp_path, "worker", "time.sleep(0.2)\nsys.exit(1)"),  # crashes
    }
    harness = HARNESS.format(scripts=str(ROOT / "scripts"))
    log_path = tmp_path / "stack.log"
    with log_path.open("w") as log:
        stack = subprocess.Popen(
            [sys.executable, "-c", harness, json.dumps(commands)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        # 0.2 s runs, then pauses of 1 s and 2 s: a third start ~3.5 s in.
        wait_for(lambda: len(pids(tmp_path / "worker")) >= 3, timeout=20)
        log_text = log_path.read_text()
        assert "worker exited with status 1; restarting in 1s" in log_text
        assert "worker exited with status 1; restarting in 2s" in log_text
        assert len(pids(tmp_path / "web")) == 1  # the site kept running meanwhile
        started = pids(tmp_path / "web") + pids(tmp_path / "stubborn") + pids(tmp_path / "worker")

        stack.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        stack.send_signal(signal.SIGTERM)  # while it cleans up
        assert stack.wait(timeout=20) == 0
    finally:
        if stack.poll() is None:
            os.killpg(stack.pid, signal.SIGKILL)
    assert "already stopping" in log_path.read_text()
    assert [pid for pid in started if alive(pid)] == []
