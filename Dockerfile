# launchcast: the forecasting service in a container.
#   docker build -t launchcast .
#   docker run -p 8000:8000 -v launchcast-registry:/app/var/registry -v launchcast-data:/app/data launchcast
# The registry volume keeps fitted versions across restarts; the data volume holds
# launches.csv/vehicles.csv so ingests survive too (it starts from the image's copy).
# A first start with an empty registry fits the model (about a minute) before serving.
FROM python:3.11-slim

ARG LAUNCHCAST_UID=10001
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    LAUNCHCAST_HOST=0.0.0.0 \
    LAUNCHCAST_PORT=8000 \
    LAUNCHCAST_DATA_DIR=/app/data \
    LAUNCHCAST_REGISTRY_DIR=/app/var/registry

WORKDIR /app

# Dependencies first, in their own layer: code changes do not reinstall them.
COPY pyproject.toml README.md ./
RUN mkdir -p model service/routes \
    && touch model/__init__.py service/__init__.py service/routes/__init__.py \
    && pip install --no-cache-dir . \
    && pip uninstall -y launchcast

COPY model ./model
COPY service ./service
COPY data ./data
# The same install the README's `make run` does (editable, so settings find data/ and var/).
RUN pip install --no-cache-dir --no-deps -e . \
    && useradd --create-home --uid "${LAUNCHCAST_UID}" launchcast \
    && mkdir -p /app/var/registry \
    && chown -R launchcast /app/var /app/data

USER ${LAUNCHCAST_UID}
VOLUME ["/app/var/registry", "/app/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=180s --retries=3 \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
CMD ["launchcast", "serve", "--host", "0.0.0.0", "--fit-if-missing"]
