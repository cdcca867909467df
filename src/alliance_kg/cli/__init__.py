"""The ``alliance-kg`` command line: validate, query, export, stats, load, update, serve, recover, init.

Exit codes: 0 success (and, for ``validate``, the graph conforms); 1 the graph does not conform;
2 the command could not run (bad input, unreadable file, broken installation). The global
options (:mod:`.common`) may be given before or after the command's name.
"""

from __future__ import annotations

import click

from .. import __version__
from .common import global_options
from .reading import export, query, stats, validate
from .serving import serve
from .writing import init, load, recover, update


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="alliance-kg")
@global_options
def cli(store, data_dir, empty, remote_query, remote_update, remote_gsp) -> None:
    """alliance-kg: the Renault-Nissan-Mitsubishi leader-follower knowledge graph."""


for command in (validate, query, export, stats, load, update, serve, recover, init):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="alliance-kg")
