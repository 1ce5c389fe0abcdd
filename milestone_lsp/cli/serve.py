"""``milestone-lsp serve``: run the language server (the one command that loads pygls).

Entered with the cyclic garbage collector paused (:mod:`milestone_lsp.cli.main`): importing the
protocol types allocates ~10^5 objects that live until exit, and collecting them over and over
while importing is wasted start-up time. The server enables it again once they are frozen.
"""

from __future__ import annotations

import argparse

from milestone_lsp.lsp.server import main as serve


def run(args: argparse.Namespace) -> int:
    """Run the language server over stdio, TCP or WebSocket."""
    return serve(
        tcp=args.tcp,
        ws=args.ws,
        host=args.host,
        port=args.port,
        log_file=args.log_file,
        log_level=args.log_level,
        max_message_size=args.max_message_size,
    )
