"""Live progress of a benchmark (local or in a cluster): stage k of N, elapsed time, requests done."""

import re
import time
from dataclasses import dataclass, field
from typing import Self

from rich.console import Console
from rich.live import Live
from rich.text import Text

STAGE_EVENT = re.compile(r"Stage (\d+) - run (started|completed|failed)")
PREPROCESSING = "Running preprocessing stage"


@dataclass
class RunProgress:
    """State gathered from inference-perf's log lines and the server's counters."""

    planned_stages: int
    planned_seconds: float = 0.0
    stage: int | None = None
    stage_state: str = "starting"
    stages_done: int = 0
    requests_done: int | None = None
    phase: str = "starting inference-perf"
    started: float = field(default_factory=time.monotonic)

    def feed(self, line: str) -> None:
        if match := STAGE_EVENT.search(line):
            self.stage, self.stage_state = int(match.group(1)), match.group(2)
            self.phase = "load"
            if self.stage_state != "started":
                self.stages_done += 1
        elif PREPROCESSING in line:
            self.phase = "probing saturation (sweep)"
        elif "=== START_SUMMARY ===" in line or "Report saved to" in line:
            self.phase = "writing reports"

    def render(self) -> Text:
        elapsed = time.monotonic() - self.started
        parts = [f"elapsed {elapsed:5.0f}s" + (f" of ~{self.planned_seconds:.0f}s load" if self.planned_seconds else "")]
        if self.stage is not None and self.phase == "load":
            k = self.stage + 1
            parts.insert(0, f"stage {k} of {self.planned_stages or '?'} {self.stage_state}")
        else:
            parts.insert(0, self.phase)
        if self.requests_done is not None:
            parts.append(f"requests done {self.requests_done}")
        return Text(" · ".join(parts), style="cyan")


class LiveProgress:
    """A one-line live display; prints nothing fancy when stdout is not a terminal."""

    def __init__(self, progress: RunProgress, console: Console | None = None) -> None:
        self.progress = progress
        self.console = console or Console(stderr=True)
        self._live = Live(self.progress.render(), console=self.console, refresh_per_second=4, transient=True,
                          get_renderable=self.progress.render)
        self._last_stage: tuple[int | None, str] = (None, "")

    def __enter__(self) -> Self:
        self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._live.__exit__(*exc)

    def feed(self, line: str) -> None:
        self.progress.feed(line)
        current = (self.progress.stage, self.progress.stage_state)
        if current != self._last_stage and self.progress.stage is not None:
            self._last_stage = current
            self.console.print(self.progress.render())
