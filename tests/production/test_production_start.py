"""The production start, end to end, without Docker.

Under `billing_center.settings_production` and a production-like environment (a long random SECRET_KEY, DEBUG
off, ALLOWED_HOSTS, a database created for this test and dropped after it, a temporary STATIC_ROOT), the
container's own entrypoint (scripts/entrypoint.sh) runs its `web` step: migrate, collectstatic, gunicorn on a
free loopback port. A real HTTP client logs in and walks the main pages; every page and every static file they
link answers 200. Then the entrypoint's `worker` and `beat` steps start: a task makes the round trip through
Redis, and beat stays up. Only loopback addresses are ever contacted; every process is killed at the end.

TLS ends at a proxy in production, which sets X-Forwarded-Proto: this client sends that header itself (so
SECURE_SSL_REDIRECT stays on, as in production) and keeps its own cookie jar, since the session and CSRF
cookies are Secure and a standard jar would not send them over the loopback's plain http.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import psycopg2
import pytest
from django.conf import settings
from django_otp.oath import totp

from billing_center.celery import app
from core.tasks import ping

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "scripts" / "entrypoint.sh"
HOST = "127.0.0.1"
VENV_BIN = Path(sys.executable).parent

pytestmark = [pytest.mark.slow, pytest.mark.real_broker]

START_TIMEOUT = 420  # migrating a fresh database and collecting static files on a loaded 2-core machine
TASK_TIMEOUT = 180


# --------------------------------------------------------------------------------------------- processes
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Process:
    """One entrypoint step in its own process group, its output in a log file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path):
        self.name = name
        self.log = log_dir / f"{name}.log"
        with self.log.open("wb") as handle:
            self.popen = subprocess.Popen(
                ["bash", str(ENTRYPOINT), *args], cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )

    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self, tail: int = 6000) -> str:
        return self.log.read_text(errors="replace")[-tail:]

    def stop(self) -> None:
        if self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
            self.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=30)
        except ProcessLookupError:
            pass


def wait_for(predicate, *, timeout: float, what: str, process: Process | None = None, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if process is not None and not process.alive():
            raise AssertionError(f"{process.name} exited ({process.popen.returncode}) before {what}:\n"
                                 f"{process.output()}")
        time.sleep(interval)
    tail = f":\n{process.output()}" if process is not None else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {what}{tail}")


# ----------------------------------------------------------------------------------------------- fixtures
@pytest.fixture
def fresh_database_url() -> Iterator[str]:
    """A database created empty for this test on the suite's PostgreSQL server, dropped after it."""
    db = settings.DATABASES["default"]
    user, host, port = db["USER"] or "postgres", db["HOST"] or HOST, db["PORT"] or 5432
    password = db.get("PASSWORD") or ""
    name = f"fee_prod_smoke_{uuid.uuid4().hex[:12]}"

    def admin_sql(sql: str) -> None:
        connection = psycopg2.connect(dbname="postgres", user=user, password=password, host=host, port=port)
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(sql)
        finally:
            connection.close()

    admin_sql(f'CREATE DATABASE "{name}"')
    try:
        auth = f"{user}:{password}" if password else user
        yield f"postgres://{auth}@{host}:{port}/{name}"
    finally:
        admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def production_env(fresh_database_url, tmp_path) -> dict[str, str]:
    port = free_port()
    dropped = ("DJANGO_", "CELERY_", "STATIC", "CACHE_", "SECURE_", "PAYMENT_", "AXES_", "DEBUG")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env.update({
        "DJANGO_SETTINGS_MODULE": "billing_center.settings_production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DEBUG": "false",
        "ALLOWED_HOSTS": f"{HOST},localhost",
        "DATABASE_URL": fresh_database_url,
        # This run's Redis database (REDIS_URL of the test run): broker, results and cache.
        "REDIS_URL": settings.CELERY_BROKER_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_CONCURRENCY": "1",
        "CACHE_KEY_PREFIX": f"prod-smoke-{uuid.uuid4().hex[:8]}",
        "PAYMENT_GATEWAY_SECRET": secrets.token_urlsafe(48),
        "PUBLIC_BASE_URL": f"https://{HOST}:{port}",
        "STATIC_ROOT": str(tmp_path / "staticfiles"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "HOST": HOST,
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "LOG_LEVEL": "WARNING",
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "PYTHON": sys.executable,
    })
    return env


@pytest.fixture
def processes(tmp_path) -> Iterator[dict[str, Process]]:
    """Every process this test starts; all are stopped at the end whatever happened."""
    started: dict[str, Process] = {}
    try:
        yield started
    finally:
        for process in reversed(list(started.values())):
            process.stop()

        app.control.purge()  # what beat queued stays out of later tests' workers


# ------------------------------------------------------------------------------------------- HTTP client
class AssetLinks(HTMLParser):
    """The files a page makes the browser fetch: <link href>, <script src>, <img src>."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        url = {"link": attributes.get("href"), "script": attributes.get("src"), "img": attributes.get("src")}.get(tag)
        if tag == "link" and not ({"stylesheet", "icon", "preload", "modulepreload"} & set(
                (attributes.get("rel") or "").lower().split())):
            url = None
        if url:
            self.urls.append(url)


class Browser:
    """httpx behind a pretend TLS proxy, with a cookie jar that keeps Secure cookies on plain loopback http."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.origin = base_url.replace("http://", "https://")
        self.client = httpx.Client(base_url=base_url, timeout=90, follow_redirects=False,
                                   headers={"X-Forwarded-Proto": "https"})
        self.cookies: dict[str, str] = {}
        self.secure_cookies: set[str] = set()

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        response = self.client.request(method, path, headers=headers, **kwargs)
        self.client.cookies.clear()  # only this jar sends cookies
        for raw in response.headers.get_list("set-cookie"):
            cookie = SimpleCookie()
            cookie.load(raw)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
                    if morsel["secure"]:
                        self.secure_cookies.add(name)
        return response

    def get(self, path: str, **kwargs) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def login(self, path: str, username: str, password: str) -> httpx.Response:
        page = self.get(path)
        assert page.status_code == 200, (path, page.status_code)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token, "no CSRF token on the login page"
        return self.request(
            "POST", path, data={"csrfmiddlewaretoken": token.group(1), "username": username, "password": password},
            headers={"Origin": self.origin, "Referer": f"{self.origin}{path}"},
        )

    def page_and_assets(self, path: str, checked: dict[str, int]) -> httpx.Response:
        """GET a page (200), then every asset it links that was not checked yet (200, non-empty)."""
        response = self.get(path)
        assert response.status_code == 200, f"{path} answered {response.status_code}: {response.text[:2000]}"
        parser = AssetLinks()
        parser.feed(response.text)
        here = urlsplit(self.base_url).netloc
        for url in parser.urls:
            absolute = urljoin(f"{self.base_url}{path}", url)
            parts = urlsplit(absolute)
            if parts.scheme not in ("http", "https") or parts.netloc != here:
                continue  # data: URLs; anything off this host is never fetched (loopback only)
            asset = parts.path + (f"?{parts.query}" if parts.query else "")
            if asset not in checked:
                served = self.get(asset)
                checked[asset] = served.status_code
                assert served.status_code == 200, f"{asset} (linked from {path}) answered {served.status_code}"
                assert served.content, f"{asset} is empty"
        return response


# ------------------------------------------------------------------------------------------------ the test
SEED = """
from django.contrib.auth import get_user_model
from workspaces.services import account_create, workspace_create
User = get_user_model()
owner = User.objects.create_user("prod-owner", "owner@example.invalid", {owner_password!r})
account = account_create(name="Production Smoke Ltd", owner=owner)
workspace_create(account=account, name="Main")
staff = User.objects.create_superuser("prod-finance", "finance@example.invalid", {staff_password!r})
from django_otp.plugins.otp_totp.models import TOTPDevice
print("TOTPKEY", TOTPDevice.objects.create(user=staff, name="authenticator", confirmed=True).key)
print("ACCOUNT", account.pk)
"""

ACCOUNT_PAGES = [
    "", "workspaces/", "wallet/", "wallet/cards/", "wallet/vouchers/", "wallet/details/",
    "orders/buy/", "orders/", "packages/", "bills/daily/", "usage/", "bills/monthly/", "invoices/", "alerts/",
]
HASHED_STATIC = re.compile(r"^/static/.+\.[0-9a-f]{12}\.[A-Za-z0-9]+$")


def test_the_production_entrypoint_serves_pages_assets_and_runs_celery(production_env, processes, tmp_path):
    env = production_env
    base_url = f"http://{HOST}:{env['PORT']}"

    # -- web: migrate, collectstatic, gunicorn
    web = processes["web"] = Process("web", ["web"], env, tmp_path)

    def healthy() -> bool:
        try:
            return httpx.get(f"{base_url}/health/", headers={"X-Forwarded-Proto": "https"}, timeout=10).status_code \
                == 200
        except httpx.TransportError:
            return False

    wait_for(healthy, timeout=START_TIMEOUT, what="gunicorn to answer /health/", process=web)
    manifest = Path(env["STATIC_ROOT"]) / "staticfiles.json"
    assert manifest.is_file(), "collectstatic wrote no manifest into STATIC_ROOT"

    # Without the proxy's header a request is sent to https: the production flags are on.
    plain = httpx.get(f"{base_url}/health/", timeout=30)
    assert plain.status_code == 301 and plain.headers["location"].startswith("https://"), plain.status_code

    # -- data: an owner with an account, and a finance superuser, in the fresh database
    owner_password, staff_password = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    seed = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         SEED.format(owner_password=owner_password, staff_password=staff_password)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert seed.returncode == 0, seed.stdout + seed.stderr
    account_id = int(re.search(r"ACCOUNT (\d+)", seed.stdout).group(1))

    checked: dict[str, int] = {}

    # -- the tenant's pages
    owner = Browser(base_url)
    owner.page_and_assets("/login/", checked)
    response = owner.login("/login/", "prod-owner", owner_password)
    assert response.status_code == 302, f"login answered {response.status_code}: {response.text[:2000]}"
    assert {"sessionid", "csrftoken"} <= owner.secure_cookies, owner.secure_cookies
    entry = owner.get("/")
    assert entry.status_code == 302 and entry.headers["location"].rstrip("/").endswith(f"/a/{account_id}")
    for page in ACCOUNT_PAGES:
        owner.page_and_assets(f"/a/{account_id}/{page}", checked)
    owner.page_and_assets("/catalogue/", checked)
    owner.page_and_assets("/api/v1/docs/", checked)

    # -- finance staff in Django admin
    staff = Browser(base_url)
    staff.page_and_assets("/admin/login/", checked)
    response = staff.login("/admin/login/", "prod-finance", staff_password)
    assert response.status_code == 302, f"admin login answered {response.status_code}: {response.text[:2000]}"
    # finance staff pass the second factor (workspaces/two_factor.py) with the code the authenticator shows now

    verify = staff.get("/login/verify/?next=/admin/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', verify.text).group(1)
    code = f"{totp(bytes.fromhex(re.search(r'TOTPKEY ([0-9a-f]+)', seed.stdout).group(1))):06d}"
    response = staff.request("POST", "/login/verify/", data={"csrfmiddlewaretoken": csrf, "token": code,
                                                             "next": "/admin/"},
                             headers={"Origin": staff.origin, "Referer": f"{staff.origin}/login/verify/"})
    assert response.status_code == 302, f"second factor answered {response.status_code}: {response.text[:2000]}"
    staff.page_and_assets("/admin/", checked)
    staff.page_and_assets("/admin/workspaces/account/", checked)
    staff.page_and_assets("/admin/statements/revenueday/", checked)  # finance's chart: the vendored Chart.js

    static = [url for url in checked if url.startswith("/static/")]
    assert any("/vendor/bootstrap-5.3.9" in url for url in static), static
    assert any("/vendor/htmx-2.0.11" in url for url in static), static
    assert any("/vendor/chart-4.6.1" in url for url in static), static
    assert any(url.startswith("/static/admin/") for url in static), static
    unhashed = [url for url in static if not HASHED_STATIC.match(url)]
    assert not unhashed, f"static files served without the manifest's hashed names: {unhashed}"

    # -- Celery: a worker and beat through the same entrypoint, a task's round trip through Redis

    app.control.purge()
    worker_name = f"prod-smoke-{uuid.uuid4().hex[:8]}@%h"
    worker = processes["worker"] = Process(
        "worker", ["worker", "-n", worker_name, "--without-gossip", "--without-mingle"], env, tmp_path)
    beat = processes["beat"] = Process("beat", ["beat"], env, tmp_path)

    result = ping.delay()
    wait_for(result.ready, timeout=TASK_TIMEOUT, what="the worker to answer core.ping", process=worker)
    # This process is no Celery task, but an earlier test in the same pytest run may have left Celery's
    # process-wide "inside a worker" flag set; the result is ready anyway, so waiting cannot dead-lock.
    assert result.get(timeout=10, disable_sync_subtasks=False) == "pong"

    wait_for(lambda: "beat: Starting" in beat.output(tail=100_000), timeout=TASK_TIMEOUT,
             what="beat to log that it started", process=beat)
    time.sleep(5)
    assert beat.alive(), f"beat stopped after starting:\n{beat.output()}"
    assert worker.alive() and web.alive()
