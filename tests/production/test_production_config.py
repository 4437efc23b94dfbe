"""Fast guards of the production start (the full start is test_production_start.py, marked slow)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SOURCE_MAP = re.compile(rb"[#@]\s*sourceMappingURL=([^\s*'\"]+)")


def test_every_source_map_a_static_file_names_exists():
    """The manifest storage rewrites sourceMappingURL comments and fails collectstatic when the map is
    missing: a vendored file must ship its map or have the comment removed."""
    missing = []
    for path in (ROOT / "static").rglob("*"):
        if path.suffix not in (".js", ".css") or not path.is_file():
            continue
        for match in SOURCE_MAP.finditer(path.read_bytes()):
            target = match.group(1).decode()
            if not target.startswith("data:") and not (path.parent / target).is_file():
                missing.append(f"{path.relative_to(ROOT)} -> {target}")
    assert not missing, missing


def test_dockerfile_and_compose_run_the_one_entrypoint():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r'^ENTRYPOINT \[.*"/app/scripts/entrypoint\.sh"\]', dockerfile, re.M), dockerfile
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for role in ("web", "worker", "beat"):
        assert services[role]["command"] == [role], services[role]
        assert "entrypoint" not in services[role]
    for name, service in services.items():
        command = " ".join(service.get("command") or [])
        assert "manage.py" not in command and "gunicorn" not in command and "celery" not in command, name


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update({"DJANGO_SETTINGS_MODULE": "billing_center.settings_production", "SECRET_KEY": ""})
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr, result.stderr[-2000:]
