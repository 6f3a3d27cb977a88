# backup-emulator as a service: listens on 0.0.0.0:8080, keeps its state in the /data volume.
# Layers from the least to the most often changed, so a change to the code rebuilds only the
# last three: the dependencies come from requirements.lock (refresh: scripts/lock.sh), the
# code from the build context that .dockerignore narrows to what the image needs.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    EMULATOR_HOST=0.0.0.0 \
    EMULATOR_PORT=8080 \
    EMULATOR_DB=/data/backup-emulator.db

RUN useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin emulator \
    && mkdir -p /data \
    && chown emulator:emulator /data

COPY requirements.lock /tmp/requirements.lock
RUN pip install --no-deps -r /tmp/requirements.lock \
    && rm /tmp/requirements.lock
# More packages, e.g. the PostgreSQL driver: deploy/compose.replicated.yml builds with
# --build-arg PIP_EXTRA="psycopg[binary]>=3.1,<4". Empty by default.
ARG PIP_EXTRA=""
RUN if [ -n "$PIP_EXTRA" ]; then pip install "$PIP_EXTRA"; fi

VOLUME ["/data"]
EXPOSE 8080
# The server answers in 1-3 s: during the start period Docker (Engine 25+) checks every
# second, so `depends_on: condition: service_healthy` waits about that long; then every 10 s.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --start-interval=1s --retries=3 \
    CMD ["backup-emulator", "health"]
CMD ["backup-emulator", "serve"]
WORKDIR /data

COPY . /src/
RUN pip install --no-deps --no-build-isolation /src \
    && rm -rf /src
USER emulator
