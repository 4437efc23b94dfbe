# The production image: one image for the web app, the Celery worker and Celery beat. Each container runs
# scripts/entrypoint.sh with its role (web, worker, beat, release); see docs/DEPLOYMENT.md.
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=billing_center.settings_production \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir .
COPY . .
# An unprivileged user; it owns the folders the app writes (collected static files, media).
RUN useradd --create-home --uid 1000 app \
    && mkdir -p /app/staticfiles /app/media \
    && chown app:app /app/staticfiles /app/media
USER app
EXPOSE 8000
ENTRYPOINT ["bash", "/app/scripts/entrypoint.sh"]
CMD ["web"]
