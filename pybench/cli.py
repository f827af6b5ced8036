"""The `pybench` command line. Each command parses its options, calls one library function and turns a
PybenchError into one line on stderr with exit code 1. Heavy libraries are imported inside commands so that
`pybench --help` stays fast."""

import click

from pybench.errors import PybenchError

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 110}


class PybenchGroup(click.Group):
    """Turns library errors into `error: <message>` and exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context):
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
