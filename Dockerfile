# backup-emulator as a service: listens on 0.0.0.0:8080, keeps its state in the /data volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY emulator ./emulator
COPY fixtures ./fixtures
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin emulator \
    && mkdir -p /data \
    && chown emulator:emulator /data \
    && rm -rf /src

ENV EMULATOR_HOST=0.0.0.0 \
    EMULATOR_PORT=8080 \
    EMULATOR_DB=/data/backup-emulator.db

VOLUME ["/data"]
WORKDIR /data
USER emulator
EXPOSE 8080

HEALTHCHECK --interval=10s --timeout=5s --start-period=15s --retries=3 \
    CMD ["backup-emulator", "health"]

CMD ["backup-emulator", "serve"]
