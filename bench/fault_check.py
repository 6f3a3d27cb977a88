"""What checking the store's fault rules costs a vendor GET when no rule is set.

    python bench/fault_check.py [--calls 2000] [--rounds 6] [--db :memory: --db PATH|URL]

Each vendor request reads the store's FAULTS counter (one indexed SELECT on a held
connection, core.versions) to learn whether any process added or removed a rule. This serves
CleverFox's `GET /api/devices/1` in-process (TestClient) on each database, in rounds that
alternate between the real check and a check that does nothing (what a server holding its
rules in memory did), and prints the CPU time per request of each (median over the rounds)
and their ratio, the CPU time of the check alone, and of a GET on which a rule fires (a
`latency` of 0 ms: the answer is the same, the firing is claimed in the store). CPU time,
not wall time, and both variants in the same run: the machine may be busy with other work.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from emulator.app import create_app
from emulator.settings import Settings

PATH = "/api/devices/1"


def per_request(client: TestClient, auth: tuple[str, str], calls: int) -> float:
    """CPU microseconds per GET over `calls` GETs."""
    started = time.process_time()
    for _ in range(calls):
        response = client.get(PATH, auth=auth)
    assert response.status_code == 200, response.text
    return (time.process_time() - started) / calls * 1e6


def measure(db: str, calls: int, rounds: int) -> dict[str, float]:
    settings = Settings(db=db, freeze=True, now="2026-01-05T09:00:00Z", tick_seconds=0)
    with TestClient(create_app(settings)) as client:
        emu = client.app.state.emulator  # type: ignore[attr-defined]
        book = emu.faults
        key = client.get("/_emulator/credentials").json()["cleverfox"]["api_key"]
        auth = (key, "")
        per_request(client, auth, calls // 4)  # warm: routes analysed, caches filled
        checked, unchecked = [], []
        for _ in range(rounds):
            vars(book).pop("check", None)  # the real one
            checked.append(per_request(client, auth, calls))
            book.check = lambda: None
            unchecked.append(per_request(client, auth, calls))
        vars(book).pop("check", None)
        # A rule that fires on every one of these requests (and changes nothing): each
        # firing is claimed in the store.
        client.post("/_emulator/faults", json={"action": "latency", "latency_ms": 0,
                                               "vendor": "cleverfox"})
        firing = statistics.median(per_request(client, auth, calls) for _ in range(2))
        client.delete("/_emulator/faults")
        started = time.process_time()
        for _ in range(calls * 10):
            book.check()
        alone = (time.process_time() - started) / (calls * 10) * 1e6
    with_check, without = statistics.median(checked), statistics.median(unchecked)
    return {"with": with_check, "without": without, "ratio": with_check / without,
            "check": alone, "firing": firing}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--db", action="append", help="':memory:', a SQLite file or a URL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for db in args.db or [":memory:", str(Path(tmp) / "f.db")]:
            found = measure(db, args.calls, args.rounds)
            name = db if "://" not in db else db.split("://")[0]
            print(f"{name:>24}: GET {found['with']:7.1f} us CPU with the check, "
                  f"{found['without']:7.1f} without (x{found['ratio']:.3f}); "
                  f"the check alone {found['check']:5.1f} us; GET with a rule firing on "
                  f"each {found['firing']:7.1f} us")


if __name__ == "__main__":
    main()
