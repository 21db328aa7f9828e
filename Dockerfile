# The Moon Drip BAR dashboard. Data and reports live in volumes; the app runs as a non-root user.
#   docker build -t themoon .
#   docker run -e THEMOON_TOKEN=... -p 127.0.0.1:8866:8866 -v themoon-data:/app/data themoon
# or `docker compose up -d` (see docker-compose.yml and docs/operations.md).
FROM python:3.11-slim

LABEL org.opencontainers.image.title="themoon" \
      org.opencontainers.image.description="Roasting cost and analytics for The Moon Drip BAR" \
      org.opencontainers.image.documentation="docs/operations.md"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    THEMOON_DATA_DIR=/app/data \
    THEMOON_DB=/app/data/themoon.db \
    THEMOON_BACKUP_DIR=/app/data/backups \
    THEMOON_LOG_DIR=/app/data/logs \
    THEMOON_REPORTS_DIR=/app/reports \
    HOME=/home/themoon \
    TZ=Asia/Seoul

WORKDIR /app
# Debian's Chromium prints the reports' PDFs (offline, through nbconvert's webpdf exporter).
RUN apt-get update && apt-get install -y --no-install-recommends chromium && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --home-dir /home/themoon --uid 1000 --user-group themoon

# Dependencies first (a layer that survives code changes), then the code.
COPY pyproject.toml README.md ./
RUN mkdir -p themoon && touch themoon/__init__.py && pip install . && pip uninstall -y themoon && rm -rf themoon build *.egg-info
COPY themoon ./themoon
COPY notebooks ./notebooks
COPY share ./share
# Editable: `themoon serve` finds notebooks/ and share/ (the Voilà template) beside the package.
# The code stays root-owned and read-only for the app user; only data/ and reports/ are its own.
RUN pip install --no-deps -e . \
 && mkdir -p /app/data /app/reports \
 && chown -R themoon:themoon /app/data /app/reports

USER themoon
VOLUME ["/app/data", "/app/reports"]
EXPOSE 8866

# A static file of our Voilà template: answers without starting a kernel.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8866/voila/templates/themoon/static/themoon.css', timeout=4).status != 200)"

# Beyond 127.0.0.1 the server needs a token (THEMOON_TOKEN) or a password hash
# (THEMOON_PASSWORD_HASH): see docs/operations.md. `themoon init` creates or migrates the
# database (an existing one is backed up before any migration).
STOPSIGNAL SIGTERM
CMD ["sh", "-c", "themoon init && exec themoon serve --host 0.0.0.0 --port 8866"]
