"""deploy/compose.replicated.yml and its nginx.conf, checked without Docker: two replicas on one
PostgreSQL database, nginx in front naming both, the second replica started after the first."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_the_replicated_compose_file_puts_two_replicas_on_one_database_behind_nginx() -> None:
    services = yaml.safe_load((DEPLOY / "compose.replicated.yml").read_text())["services"]
    replicas = {name: s for name, s in services.items() if name.startswith("replica-")}
    assert len(replicas) == 2
    stores = {s["environment"]["EMULATOR_DB"] for s in replicas.values()}
    assert len(stores) == 1 and stores.pop().startswith("postgresql+psycopg://")
    assert "psycopg" in replicas["replica-1"]["build"]["args"]["PIP_EXTRA"]
    assert "replica-1" in services["replica-2"]["depends_on"]  # one builds the world first
    front = services["emulator"]
    assert front["image"].startswith("nginx")
    assert set(front["depends_on"]) == set(replicas)
    config = (DEPLOY / "nginx.conf").read_text()
    upstream = re.search(r"upstream replicas \{(.*?)\}", config, re.S)
    assert upstream is not None
    assert re.findall(r"server ([\w-]+):8080;", upstream.group(1)) == sorted(replicas)
    assert "proxy_pass http://replicas;" in config
