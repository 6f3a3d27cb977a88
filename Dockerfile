# backup-emulator as a service: listens on 0.0.0.0:8080, keeps its state in the /data volume.
# Built in three layers so a change to the code reuses the others: the user, the dependencies
# pinned by requirements.lock (refresh: scripts/lock.sh), then the code itself.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

RUN useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin emulator \
    && mkdir -p /data \
    && chown emulator:emulator /data

WORKDIR /src
COPY requirements.lock ./
RUN pip install --no-deps -r requirements.lock

COPY pyproject.toml README.md LICENSE ./
COPY fixtures ./fixtures
COPY emulator ./emulator
RUN pip install --no-deps --no-build-isolation . \
    && rm -rf /src

ENV EMULATOR_HOST=0.0.0.0 \
    EMULATOR_PORT=8080 \
    EMULATOR_DB=/data/backup-emulator.db

VOLUME ["/data"]
WORKDIR /data
USER emulator
EXPOSE 8080

# The server answers in 1-3 s: during the start period Docker checks every second, so
# `depends_on: condition: service_healthy` waits about that long, then every 10 s.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --start-interval=1s --retries=3 \
    CMD ["backup-emulator", "health"]

CMD ["backup-emulator", "serve"]
