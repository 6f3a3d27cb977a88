#!/usr/bin/env python3
"""Build the Docker image without a Docker engine, then smoke-test it: health, one call per vendor.

    sudo python3 scripts/container-smoke.py [--prepare] [--sizes]

Runs as root with buildah and debootstrap installed (`.ci/run` installs them). Everything it
keeps lives under $BACKUP_EMULATOR_CACHE (default /var/cache/backup-emulator), so a second run
on the same machine reuses it:

- `base/python-3.11-slim.tar`: a stand-in for the Dockerfile's `FROM python:3.11-slim`, built
  once by debootstrap from Debian bookworm's own packages (python3.11, pip), since no image
  registry is reachable here. It is committed into buildah's storage as
  docker.io/library/python:3.11-slim, so the Dockerfile is built unchanged with --pull=never;
  the certificates in /usr/local/share/ca-certificates of the machine are added to it, so
  pip inside the build reaches PyPI through the same (possibly intercepting) proxy.
- `wheels/<hash of requirements.lock>/`: the wheels the lock pins, downloaded once; the build
  installs from them with no index (a pip.conf mounted for the build only).
- `storage/`: buildah's vfs storage: the base image, and the last image built.

Then it runs the image as `buildah run` (chroot isolation, host network, the image's own
user), waits for `/_emulator/health`, makes one call per vendor with the default world's
credentials, runs the image's HEALTHCHECK command, and prints the timings and the image's
size (`--sizes`: what each installed distribution costs). Only the Python standard library is
used, so any python3 can run it. Exit 0 means every step passed.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("BACKUP_EMULATOR_CACHE", "/var/cache/backup-emulator"))
BASE_NAME = "docker.io/library/python:3.11-slim"
IMAGE = "localhost/backup-emulator:smoke"
MIRROR = os.environ.get("DEBIAN_MIRROR", "http://deb.debian.org/debian")
BASE_PACKAGES = ["python3.11", "python3-pip", "ca-certificates"]
START_TIMEOUT = 60.0
LOCAL_CAS = Path("/usr/local/share/ca-certificates")

# What python:3.11-slim gives a Dockerfile that this stand-in must give too: `python` and
# `pip` on PATH that install into /usr/local as root (Debian marks its Python externally
# managed; the official image's Python is not).
BASE_SETUP = """
set -e
rm -f /usr/lib/python3.11/EXTERNALLY-MANAGED
ln -sf /usr/bin/python3.11 /usr/local/bin/python
ln -sf /usr/bin/python3.11 /usr/local/bin/python3
ln -sf /usr/bin/pip3 /usr/local/bin/pip
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /usr/share/doc/* /usr/share/man/*
"""


def log(message: str) -> None:
    print(f"[container-smoke] {message}", flush=True)


def run(*command: str, capture: bool = False, **kwargs: Any) -> str:
    """Run a command, echoing it; its stdout when `capture`."""
    log("$ " + shlex.join(command))
    result = subprocess.run(command, check=True, text=True,
                            stdout=subprocess.PIPE if capture else None, **kwargs)
    return result.stdout if capture else ""


def buildah(*args: str, capture: bool = False) -> str:
    """buildah on the cached vfs storage."""
    return run("buildah", "--root", str(CACHE / "storage"), "--runroot", str(CACHE / "run"),
               "--storage-driver", "vfs", *args, capture=capture)


def has_image(name: str) -> bool:
    return bool(buildah("images", "--quiet", "--filter", f"reference={name}",
                        capture=True).strip())


# -- the stand-in base image -------------------------------------------------------------------

def base_tarball() -> Path:
    """Debian bookworm with python3.11 and pip as a root file system tarball, built once."""
    tarball = CACHE / "base" / "python-3.11-slim.tar"
    if tarball.exists():
        log(f"stand-in base: cached {tarball}")
        return tarball
    tarball.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(dir=tarball.parent) as work:
        rootfs = Path(work) / "rootfs"
        run("debootstrap", "--variant=minbase", f"--include={','.join(BASE_PACKAGES)}",
            "bookworm", str(rootfs), MIRROR)
        run("chroot", str(rootfs), "/bin/sh", "-c", BASE_SETUP)
        partial = tarball.with_suffix(".partial")
        run("tar", "--numeric-owner", "-C", str(rootfs), "-cf", str(partial), ".")
        partial.rename(tarball)
    log(f"stand-in base: built by debootstrap in {time.monotonic() - started:.0f} s")
    return tarball


def base_image() -> None:
    """python:3.11-slim in buildah's storage, from the cached tarball."""
    if has_image(BASE_NAME):
        log(f"stand-in base: {BASE_NAME} already in storage")
        return
    tarball = base_tarball()
    container = buildah("from", "--pull=never", "scratch", capture=True).strip()
    try:
        buildah("add", container, str(tarball), "/")
        # The stand-in trusts what this machine trusts: a TLS-intercepting proxy in front of
        # the package registries signs with a CA of its own, added here the Debian way.
        local_cas = sorted(LOCAL_CAS.glob("*.crt"))
        if local_cas:
            buildah("copy", container, *map(str, local_cas), str(LOCAL_CAS) + "/")
            buildah("run", "--isolation", "chroot", container, "--", "update-ca-certificates")
        buildah("config", "--env", "PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:"
                "/sbin:/bin", "--env", "LANG=C.UTF-8", "--cmd", "python3",
                "--label", "backup-emulator.stand-in=debootstrap bookworm python3.11", container)
        buildah("commit", "--format", "docker", container, BASE_NAME)
    finally:
        buildah("rm", container)


# -- the image ---------------------------------------------------------------------------------

def buildah_version() -> tuple[int, ...]:
    words = run("buildah", "--version", capture=True).split()
    return tuple(int(part) for part in words[2].split("-")[0].split(".")[:2])


def dockerfile() -> Path:
    """The repository's Dockerfile, or a copy this buildah can parse.

    HEALTHCHECK --start-interval (Docker Engine 25+) is unknown to buildah before 1.33 (Debian
    bookworm ships 1.28): for those only, the copy leaves that one flag out.
    """
    original = ROOT / "Dockerfile"
    if buildah_version() >= (1, 33):
        return original
    text = re.sub(r" --start-interval=\S+", "", original.read_text())
    copy = CACHE / "Dockerfile.buildah-compat"
    copy.write_text(text)
    log(f"buildah {'.'.join(map(str, buildah_version()))} does not know HEALTHCHECK "
        f"--start-interval: building {copy}, the Dockerfile without it")
    return copy


def wheelhouse() -> Path:
    """Every wheel requirements.lock pins, downloaded once per version of the lock."""
    lock = (ROOT / "requirements.lock").read_bytes()
    house = CACHE / "wheels" / hashlib.sha256(lock).hexdigest()[:16]
    if house.exists():
        log(f"wheelhouse: cached {house}")
        return house
    partial = house.with_suffix(".partial")
    shutil.rmtree(partial, ignore_errors=True)
    # This machine's Python is a Linux x86_64 CPython 3.11 like the image's: the same wheels.
    run(sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
        "-r", str(ROOT / "requirements.lock"), "-d", str(partial))
    partial.rename(house)
    return house


def build() -> float:
    """`buildah bud` of the repository's Dockerfile; returns the seconds it took.

    One working container for the whole build (no --layers): with vfs every layer is a full
    copy of the file system, made and deleted again for each instruction, which costs minutes
    on a busy disk. pip installs from the cached wheelhouse instead (a pip.conf mounted for
    the build only), so the build needs no download once the lock's wheels are cached. The
    layer order itself is what Docker caches; tests/e2e/test_docker.py checks it.
    """
    house = wheelhouse()
    pip_conf = CACHE / "pip.conf"
    pip_conf.write_text("[global]\nno-index = true\nfind-links = /wheels\n")
    started = time.monotonic()
    buildah("bud", "--isolation", "chroot", "--layers=false", "--pull=never",
            "--format", "docker", "--volume", f"{house}:/wheels:ro",
            "--volume", f"{pip_conf}:/etc/pip.conf:ro", "--tag", IMAGE,
            "--file", str(dockerfile()), str(ROOT))
    return time.monotonic() - started


def image_size() -> str:
    """As buildah counts it (e.g. "295 MB"): the base image included."""
    listing = json.loads(buildah("images", "--json", IMAGE, capture=True))
    return str(listing[0]["size"])


def image_id(name: str) -> str | None:
    """The id of the image called `name`, if there is one."""
    found = buildah("images", "--quiet", "--no-trunc", "--filter", f"reference={name}",
                    capture=True).split()
    return found[0] if found else None


def drop_leftovers(previous: str | None) -> None:
    """Keep the cache to the base and the newest image: the one built before, and containers
    an interrupted run left behind, go."""
    if previous is not None and previous != image_id(IMAGE):
        with contextlib.suppress(subprocess.CalledProcessError):
            buildah("rmi", previous)
    leftovers = buildah("containers", "--quiet", capture=True).split()
    if leftovers:
        buildah("rm", *leftovers)


def healthcheck_command() -> list[str]:
    """The image's HEALTHCHECK as Docker would run it (docker format keeps it)."""
    config = json.loads(buildah("inspect", "--type", "image", IMAGE, capture=True))
    test = config["Docker"]["config"]["Healthcheck"]["Test"]
    assert test[0] == "CMD", f"HEALTHCHECK should use the exec form: {test}"
    return [str(part) for part in test[1:]]


# -- the smoke run -----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def container() -> Iterator[str]:
    name = buildah("from", "--pull=never", IMAGE, capture=True).strip()
    try:
        yield name
    finally:
        buildah("rm", name)


@contextlib.contextmanager
def serving(name: str, port: int) -> Iterator[subprocess.Popen[str]]:
    """The image's CMD in the container, on `port` of the host network; stopped after."""
    buildah("config", "--env", f"EMULATOR_PORT={port}", name)
    command = ["buildah", "--root", str(CACHE / "storage"), "--runroot", str(CACHE / "run"),
               "--storage-driver", "vfs", "run", "--isolation", "chroot", name, "--",
               "backup-emulator", "serve"]
    log("$ " + shlex.join(command))
    # Its own process group: stopping it reaches the server below buildah too.
    process = subprocess.Popen(command, text=True, start_new_session=True)
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def call(url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None,
         opener: urllib.request.OpenerDirector | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_healthy(base: str, process: subprocess.Popen[str]) -> float:
    started = time.monotonic()
    while time.monotonic() - started < START_TIMEOUT:
        if process.poll() is not None:
            raise SystemExit(f"the server stopped while starting (exit {process.returncode})")
        with contextlib.suppress(OSError):
            status, body = call(f"{base}/_emulator/health")
            if status == 200 and json.loads(body)["status"] == "ok":
                return time.monotonic() - started
        time.sleep(0.1)
    raise SystemExit(f"no healthy answer from {base} within {START_TIMEOUT:.0f} s")


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def vendor_calls(base: str) -> dict[str, str]:
    """One real call per vendor with the default world's credentials; what each answered."""
    status, body = call(f"{base}/_emulator/credentials")
    assert status == 200, body
    creds = json.loads(body)
    seen: dict[str, str] = {}

    status, body = call(f"{base}/api/devices", headers=basic(creds["cleverfox"]["api_key"], ""))
    assert status == 200, f"CleverFox GET /api/devices: {status} {body[:300]!r}"
    seen["cleverfox"] = f"GET /api/devices: {len(json.loads(body)['data'])} devices"

    rack = creds["rackspace"]
    auth = {"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": rack["username"],
                                                     "apiKey": rack["api_key"]}}}
    status, body = call(f"{base}/v2.0/tokens", data=json.dumps(auth).encode(),
                        headers={"Content-Type": "application/json"})
    assert status == 200, f"Rackspace POST /v2.0/tokens: {status} {body[:300]!r}"
    token = json.loads(body)["access"]["token"]["id"]
    status, body = call(f"{base}/v1.0/{rack['tenant_id']}/user/agents",
                        headers={"X-Auth-Token": token})
    assert status == 200, f"Rackspace GET user/agents: {status} {body[:300]!r}"
    seen["rackspace"] = f"token, then GET /v1.0/{{tenant}}/user/agents: {len(json.loads(body))}"

    jar = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    form = {"apiCALL": "login", "email": creds["backuprun"]["email"],
            "password": creds["backuprun"]["password"]}
    status, body = call(f"{base}/api.php", data=urllib.parse.urlencode(form).encode(),
                        opener=jar)
    element = ET.fromstring(body).find("status")
    assert status == 200 and element is not None and element.get("value") == "ok", body[:300]
    status, body = call(f"{base}/api.php", data=b"apiCALL=getStatus", opener=jar)
    assert b'<status value="ok">' in body, f"BackupRun getStatus: {body[:300]!r}"
    seen["backuprun"] = "login, then getStatus with the session cookie: ok"

    manager = creds["code42"]["org_manager"]
    status, body = call(f"{base}/api/v1/DeviceBackupReport",
                        headers=basic(manager["username"], manager["password"]))
    assert status == 200, f"Code42 DeviceBackupReport: {status} {body[:300]!r}"
    seen["code42"] = f"GET /api/v1/DeviceBackupReport: {len(json.loads(body)['data'])} devices"
    return seen


SIZES = """
import importlib.metadata as m, os, sys
rows = []
for dist in m.distributions():
    total = 0
    for f in dist.files or ():
        path = f.locate()
        if os.path.isfile(path):
            total += os.path.getsize(path)
    rows.append((total, dist.metadata["Name"]))
for total, name in sorted(rows, reverse=True):
    print(f"{total / 1e6:8.1f} MB  {name}")
"""


def smoke(show_sizes: bool) -> dict[str, Any]:
    report: dict[str, Any] = {}
    with container() as name:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with serving(name, port) as process:
            report["seconds_to_healthy"] = round(wait_healthy(base, process), 2)
            log(f"healthy at {base} after {report['seconds_to_healthy']} s")
            report["vendors"] = vendor_calls(base)
            for vendor, what in report["vendors"].items():
                log(f"{vendor}: {what}")
            check = healthcheck_command()
            buildah("run", "--isolation", "chroot", name, "--", *check)
            report["healthcheck"] = shlex.join(check)
            user = buildah("run", "--isolation", "chroot", name, "--", "id", "-un",
                           capture=True).strip()
            assert user not in ("root", ""), f"the image runs as {user!r}"
            report["user"] = user
        if show_sizes:
            print(buildah("run", "--isolation", "chroot", name, "--", "python", "-c", SIZES,
                          capture=True))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prepare", action="store_true",
                        help="only make sure the cached parts are there (the stand-in base "
                        "image and the wheelhouse); build and run nothing")
    parser.add_argument("--sizes", action="store_true",
                        help="print the size of every distribution installed in the image")
    args = parser.parse_args(argv)
    for tool in ("buildah", "debootstrap"):
        if shutil.which(tool) is None:
            print(f"container-smoke: {tool} is not installed (apt-get install buildah "
                  "debootstrap)", file=sys.stderr)
            return 2
    if os.geteuid() != 0:
        print("container-smoke: run as root (debootstrap and chroot isolation need it)",
              file=sys.stderr)
        return 2
    CACHE.mkdir(parents=True, exist_ok=True)
    # One run at a time per cache: a run removes the containers and image of the run before.
    lock = (CACHE / "lock").open("w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    started = time.monotonic()
    drop_leftovers(None)
    base_image()
    if args.prepare:
        wheelhouse()
        log(f"prepared in {time.monotonic() - started:.0f} s")
        return 0
    previous = image_id(IMAGE)
    seconds = build()
    drop_leftovers(previous)
    report = {"build_seconds": round(seconds, 1), "image_size": image_size(), **smoke(args.sizes)}
    report["total_seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
