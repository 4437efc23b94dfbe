"""Tests never use the database that DATABASE_URL names, only their own test database.

A run whose last test is transactional used to re-seed the catalogue after pytest-django had destroyed the
test database, so it queried the real one: on a fresh machine (that database missing or never migrated) the
run ended in an error. This runs such a suite in a subprocess against a database that does not exist.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_a_run_ending_on_a_transactional_test_never_touches_the_real_database(settings):
    base = settings.DATABASES["default"]
    missing = f"fee_center_missing_{uuid.uuid4().hex[:10]}"
    url = f"postgres://{base['USER'] or 'postgres'}@{base['HOST'] or '127.0.0.1'}:{base['PORT'] or 5432}/{missing}"
    env = {**os.environ, "DATABASE_URL": url}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "payments/tests/test_concurrency.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    tail = (result.stdout + result.stderr)[-3000:]
    assert result.returncode == 0, tail
    assert " error" not in result.stdout.splitlines()[-1], tail
