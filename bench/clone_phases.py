"""Where a new sandbox's or a reset's time goes, in-process (no HTTP), per phase.

    python bench/clone_phases.py [sandbox|reset-fixed|reset-real] [--calls 40] [--profile N]

Calls the control-plane backend directly on a new SQLite file (the server's own settings
path), times each call, and adds up the wall time spent in each phase of fixtures.world's
make_world (copy_world, the world row with its credentials, coming alive, the template
lookup), the wipe and the commit. `--profile N` prints the N most expensive functions under
cProfile (cumulative) over the same number of calls. Times are medians/means of this run only:
compare phases to each other, not to another machine.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import pstats
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

import emulator.fixtures.templates as templates
import emulator.fixtures.world as worlds
from emulator.control import backend
from emulator.control.schemas import ResetRequest, SandboxRequest
from emulator.core.runtime import Emulator
from emulator.settings import Settings

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)
SPENT: defaultdict[str, float] = defaultdict(float)


def timed(owner: Any, name: str, label: str) -> None:
    """Replace owner.name by a wrapper that adds its wall time to SPENT[label]."""
    inner = getattr(owner, name)

    @functools.wraps(inner)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        begin = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            SPENT[label] += time.perf_counter() - begin

    setattr(owner, name, wrapper)


def instrument() -> None:
    timed(worlds, "copy_world", "copy_world (INSERT ... SELECT, redraws)")
    timed(worlds, "_world_row", "world row + credentials")
    timed(worlds, "_come_alive", "come alive (engine, epoch)")
    timed(templates, "_find", "template lookup")
    timed(Emulator, "wipe", "wipe (reset only)")
    timed(Emulator, "register_world", "register world")
    timed(Session, "commit", "commit")


def call_for(emu: Emulator, what: str) -> Callable[[], None]:
    def call() -> None:
        with emu.db.session() as session:
            if what == "sandbox":
                backend.create_sandbox(emu, session, SandboxRequest())
            elif what == "reset-real":
                backend.reset(emu, session, ResetRequest())
            else:
                backend.reset(emu, session, ResetRequest(now=NOW, freeze=True))
    return call


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", nargs="?", default="sandbox",
                        choices=["sandbox", "reset-fixed", "reset-real"])
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        values: dict[str, Any] = {"db": str(Path(tmp) / "phases.db"), "seed": 424242,
                                  "tick_seconds": 0}
        if args.what != "reset-real":
            values.update(now="2026-01-05T09:00:00.000Z", freeze=True)
        emu = Emulator(Settings(**values))
        emu.open()
        call = call_for(emu, args.what)
        for _ in range(3):  # the template is built by the first
            call()
        instrument()
        samples, cpu = [], []
        for _ in range(args.calls):
            begin, begin_cpu = time.perf_counter(), time.process_time()
            call()
            cpu.append((time.process_time() - begin_cpu) * 1000)
            samples.append((time.perf_counter() - begin) * 1000)
        print(f"{args.what}: median {statistics.median(samples):.2f} ms, "
              f"mean {statistics.mean(samples):.2f} ms over {args.calls} calls; "
              f"CPU median {statistics.median(cpu):.2f} ms (steadier on a busy machine)")
        for label, seconds in sorted(SPENT.items(), key=lambda item: -item[1]):
            print(f"  {label:42} {seconds / args.calls * 1000:6.2f} ms a call")
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(args.calls):
                call()
            profile.disable()
            pstats.Stats(profile).sort_stats("cumulative").print_stats(args.profile)
        emu.db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
