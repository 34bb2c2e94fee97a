"""The command line shared by the seed examples: --fast and --out."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Sequence


def make_parser(description: str, fast_help: str) -> argparse.ArgumentParser:
    """A parser with --fast (quick run for tests; `fast_help` says what it changes) and --out."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--fast", action="store_true", help=fast_help)
    parser.add_argument("--out", type=Path, default=Path("outputs"),
                        help="folder for the plots (default: ./outputs)")
    return parser


def parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse `argv` (None: the real command line) and create the output folder."""
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    return args
