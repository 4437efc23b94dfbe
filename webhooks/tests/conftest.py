import pytest

from webhooks.tests.receiver import Receiver


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.WEBHOOKS_ALLOW_INSECURE_LOOPBACK = True
    settings.WEBHOOKS_TIMEOUT_SECONDS = 3


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running
