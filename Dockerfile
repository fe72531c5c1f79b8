# launchcast: the forecasting service in a container, installed from its wheel.
#   docker build -t launchcast .
#   docker run -p 8000:8000 -v launchcast-var:/app/var launchcast
# /app/var keeps the live data (var/data, seeded from the wheel's data on first start, then
# updated from GCAT) and the registry (var/registry) across restarts.
# A first start with an empty registry fits the model (about a minute) before serving.

# --- build: the wheel, from the same files `pip install .` reads ---------------------------
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY launchcast ./launchcast
COPY model ./model
COPY service ./service
COPY data ./data
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

# --- run: pinned dependencies (requirements/runtime.lock), then the wheel ----------------
FROM python:3.11-slim

ARG LAUNCHCAST_UID=10001
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    LAUNCHCAST_HOST=0.0.0.0 \
    LAUNCHCAST_PORT=8000 \
    LAUNCHCAST_VAR_DIR=/app/var

WORKDIR /app

# Dependencies first, in their own layer: a code change does not reinstall them.
COPY requirements/runtime.lock /tmp/runtime.lock
RUN pip install --no-cache-dir -r /tmp/runtime.lock

COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-deps /wheels/launchcast-*.whl \
    && useradd --create-home --uid "${LAUNCHCAST_UID}" launchcast \
    && mkdir -p /app/var \
    && chown -R launchcast /app/var

USER ${LAUNCHCAST_UID}
VOLUME ["/app/var"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=180s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('LAUNCHCAST_PORT', '8000'); sys.exit(urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=2).status != 200)"]
CMD ["launchcast", "serve", "--host", "0.0.0.0", "--fit-if-missing"]
