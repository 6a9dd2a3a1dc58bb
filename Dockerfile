# Lotsenboard: one image, SQLite in the /app/var volume by default,
# PostgreSQL via LOTSENBOARD_DATABASE_URL.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LOTSENBOARD_DATA_DIR=/app/var \
    LOTSENBOARD_HOST=0.0.0.0

WORKDIR /app
# Pango and HarfBuzz for the minutes' PDF (WeasyPrint), and a font to set it in; OpenLDAP's
# client library for the LDAP login.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
        libldap-2.5-0 libsasl2-2 \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin lotsenboard

# Dependencies first, so code changes do not reinstall them. python-ldap is compiled against
# OpenLDAP's headers, which leave the image again once it is built.
COPY pyproject.toml README.md ./
COPY app/__init__.py app/__init__.py
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev libldap2-dev libsasl2-dev \
    && pip install -e . \
    && apt-get purge -y --auto-remove gcc libc6-dev libldap2-dev libsasl2-dev \
    && rm -rf /var/lib/apt/lists/*

COPY alembic.ini ./
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
COPY app ./app

RUN mkdir -p /app/var && chown lotsenboard:lotsenboard /app/var
USER lotsenboard
VOLUME ["/app/var"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]

# Migrations run before every start; they are idempotent.
CMD ["sh", "-c", "lotsenboard migrate && exec lotsenboard serve --host 0.0.0.0"]
