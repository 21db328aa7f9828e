# The Moon Drip BAR dashboard. Data and reports live in volumes; the app runs as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    THEMOON_DB=/app/data/themoon.db \
    THEMOON_DATA_DIR=/app/data

WORKDIR /app
RUN useradd --create-home --uid 1000 themoon
COPY pyproject.toml README.md ./
COPY themoon ./themoon
COPY notebooks ./notebooks
COPY share ./share
RUN pip install . && mkdir -p /app/data /app/reports && chown -R themoon:themoon /app

USER themoon
VOLUME ["/app/data", "/app/reports"]
EXPOSE 8866

# A static file of our Voilà template: answers without starting a kernel.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8866/voila/templates/themoon/static/themoon.css', timeout=4).status != 200)"

# Beyond 127.0.0.1 the server needs a token: pass THEMOON_TOKEN (see docs/operations.md).
CMD ["sh", "-c", "themoon init && exec themoon serve --host 0.0.0.0 --port 8866"]
