"""One way to run an external tool: argv list, explicit cwd and env, every output line to a log file and a callback."""

import os
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

from pybench.errors import ToolError


class StreamingProcess:
    """A child in its own session, so a terminal Ctrl-C reaches pybench first and pybench decides what the child gets."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        # stays open for the child's lifetime; close() closes it. Line-buffered: tests and users tail it.
        self._log = open(log_path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115
        try:
            self.proc = subprocess.Popen(
                argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                bufsize=1, start_new_session=True,
            )
        except FileNotFoundError:
            self._log.close()
            raise ToolError(f"{argv[0]} is not installed; run `make setup` (it installs inference-perf).") from None

    def follow(self, on_line: Callable[[str], None]) -> int:
        """Feed every output line to on_line until the child exits; return its exit code."""
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._log.write(line)
            on_line(line.rstrip("\n"))
        return self.proc.wait()

    def log_note(self, text: str) -> None:
        self._log.write(text + "\n")

    def interrupt(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)

    def close(self) -> None:
        self.kill()
        self._log.close()


def stop(child: subprocess.Popen, timeout: float = 10.0) -> None:
    """Ask a child to end (SIGTERM), and kill it if it has not within `timeout` seconds."""
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
