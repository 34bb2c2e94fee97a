"""The command line shared by the examples: --fast and --out, and --data for the MNIST ones."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Sequence

import numpy as np

import nn


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


def add_data_option(parser: argparse.ArgumentParser) -> None:
    """--data DIR: the folder with the MNIST files (default: where nn.data.mnist looks)."""
    parser.add_argument("--data", metavar="DIR", default=None,
                        help="folder with the four MNIST files (default: $AUTOGRAD_LITE_DATA, else "
                             "~/.cache/autograd_lite/mnist, where they are downloaded when missing)")


def load_mnist(parser: argparse.ArgumentParser, folder: str | None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Training images and labels, then test images and labels, from --data `folder`.

    A missing, undownloadable or damaged file ends the program with one line
    saying which files and what to do (no traceback): the data is the user's
    to fix, not a bug in the example.
    """
    try:
        return (*nn.data.mnist(folder, split="train"), *nn.data.mnist(folder, split="test"))
    except nn.data.DatasetError as error:
        raise SystemExit(f"{parser.prog}: error: {error.line(option='--data DIR')}") from None
