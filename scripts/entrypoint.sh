#!/usr/bin/env bash
# The one entrypoint of the production container (Dockerfile, docker-compose.yml and the production smoke
# test in tests/production/ all run this very script; docs/DEPLOYMENT.md describes it).
#
#   entrypoint.sh release   migrate and collect the static files, then exit (a one-off release step)
#   entrypoint.sh web       the release step, then gunicorn on ${HOST:-0.0.0.0}:${PORT:-8000}
#   entrypoint.sh worker    a Celery worker on the queues in CELERY_QUEUES (comma-separated, default
#                           "default,night,webhooks": all; compose runs one worker per queue), extra arguments go to
#                           `celery worker`
#   entrypoint.sh beat      Celery beat, schedules read from the database (extra arguments go to `celery beat`)
#   entrypoint.sh <cmd...>  anything else runs as given (e.g. `entrypoint.sh python manage.py shell`)
#
# Settings come from the environment: DJANGO_SETTINGS_MODULE (default billing_center.settings_production),
# SECRET_KEY, DATABASE_URL, REDIS_URL, ALLOWED_HOSTS, STATIC_ROOT, ... (see .env.example). gunicorn also reads
# WEB_CONCURRENCY (number of workers) and GUNICORN_CMD_ARGS (extra options) from the environment.
set -euo pipefail
cd "$(dirname "$0")/.."

export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-billing_center.settings_production}"
PYTHON="${PYTHON:-python}"

release() {
  "$PYTHON" manage.py migrate --no-input
  "$PYTHON" manage.py collectstatic --no-input
}

command="${1:-web}"
[ $# -gt 0 ] && shift

case "$command" in
  release)
    release
    ;;
  web)
    release
    exec gunicorn billing_center.wsgi \
      --config python:billing_center.gunicorn_conf \
      --bind "${HOST:-0.0.0.0}:${PORT:-8000}" \
      --access-logfile - \
      --timeout "${GUNICORN_TIMEOUT:-60}" \
      "$@"
    ;;
  worker)
    exec celery -A billing_center worker --loglevel "${CELERY_LOG_LEVEL:-info}" \
      --concurrency "${CELERY_CONCURRENCY:-2}" --queues "${CELERY_QUEUES:-default,night,webhooks}" "$@"
    ;;
  beat)
    exec celery -A billing_center beat --loglevel "${CELERY_LOG_LEVEL:-info}" "$@"
    ;;
  *)
    exec "$command" "$@"
    ;;
esac
