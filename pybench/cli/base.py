"""What every command module shares: the `main` group, which turns a PybenchError into one `Error: ...` line and
exit code 1; the context settings; consoles; KEY=VALUE parsing; and `finish`, the end of a run.

Only click (and pybench.errors) is imported at module level so that `pybench --help` stays fast; everything else is
imported inside the functions and commands."""

from typing import TYPE_CHECKING, Any

import click

from pybench.errors import PybenchError

if TYPE_CHECKING:
    from pathlib import Path

    from rich.console import Console

    from pybench.results import RunResult
    from pybench.validity import Verdict

CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 110}
INTERRUPTED_EXIT = 130  # the user stopped following with Ctrl-C


class PybenchGroup(click.Group):
    """Turns library errors into `Error: <message>` and exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PybenchError as e:
            raise click.ClickException(str(e)) from None


@click.group(cls=PybenchGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="pybench")
def main() -> None:
    """Benchmark LLM inference servers with inference-perf, locally or on GKE.

    \b
    Example:
      pybench bench --target local --scenario demo
    """


def stdout_console() -> "Console":
    """Tables are wide: when stdout is a file or pipe, do not squeeze them into 80 columns."""
    import sys

    from rich.console import Console

    return Console() if sys.stdout.isatty() else Console(width=160)


def stderr_console() -> "Console":
    """Progress, warnings and follow-up hints go to stderr, so stdout holds only the results."""
    import sys

    from rich.console import Console

    return Console(stderr=True) if sys.stderr.isatty() else Console(stderr=True, width=160)


def parse_pairs(items: tuple[str, ...], option: str) -> dict[str, str]:
    """('a=1', 'b=2') -> {'a': '1', 'b': '2'}; anything else is a bad value of `option`."""
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"'{item}' must look like KEY=VALUE.", param_hint=option)
        pairs[key] = value
    return pairs


def finish(run_dir: "Path", verdict: "Verdict", result: "RunResult | None") -> None:
    """The end of a run: print what `pybench report RUN` prints (stage table, verdict, insights, cost), then exit 1
    naming the reasons when it is invalid (its reports are kept)."""
    if result is not None:
        from pybench.analysis import commands

        commands.report(commands.Request(runs=[str(run_dir)]), stdout_console())
    if not verdict.valid:
        raise click.ClickException(f"run {run_dir.name} is invalid: {'; '.join(verdict.reasons)}.")
