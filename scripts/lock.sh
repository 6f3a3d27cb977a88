#!/usr/bin/env bash
# Refresh requirements.lock: the server's dependencies, pinned, as the Docker image installs them.
# Run after changing `dependencies` or the `server` extra in pyproject.toml, or to take newer
# releases; commit the result. Needs uv (`pip install uv`), which resolves for Linux and Python
# 3.11 whatever machine it runs on. setuptools and wheel are pinned too: the image builds the
# project itself with --no-build-isolation, so a change to the code needs no download.
set -euo pipefail
cd "$(dirname "$0")/.."
printf 'setuptools>=68\nwheel\n' | uv pip compile pyproject.toml - --extra server --python-version 3.11 \
    --python-platform x86_64-manylinux_2_28 --annotation-style line \
    --custom-compile-command "scripts/lock.sh" --upgrade -o requirements.lock
