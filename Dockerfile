# The production image: gunicorn serving the portal; the same image runs the Celery worker and beat
# (docker-compose.yml). Pinned base (exact Python patch release and Debian release); dependencies
# installed from requirements.lock, hash-checked.
FROM python:3.11.14-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint's Pango, and the fonts the PDFs use.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core gettext xmlsec1 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-deps --require-hashes -r requirements.lock && pip check

COPY . .
# Static files are collected at build time (the manifest storage needs them); the key is for this step only.
RUN DEBUG=False SECRET_KEY=collectstatic-only-not-a-secret REDIS_URL=redis://build:6379/0 \
        python manage.py collectstatic --noinput -v0 \
    && python manage.py compilemessages -v0 \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin bonuspsi \
    && mkdir -p /app/var && chown bonuspsi:bonuspsi /app/var

USER bonuspsi
ENV DEBUG=False
EXPOSE 8000
CMD ["gunicorn", "bonuspsi.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", \
     "--access-logfile", "-"]
