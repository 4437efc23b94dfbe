import pytest

from tests.factories import WorkspaceFactory


@pytest.fixture
def ws_a(account):
    return WorkspaceFactory(account=account, name="Workspace A")


@pytest.fixture
def ws_b(account):
    return WorkspaceFactory(account=account, name="Workspace B")


@pytest.fixture
def ws_free(account):
    return WorkspaceFactory(account=account, name="Workspace C (free)", free=True)


@pytest.fixture(autouse=True)
def _english(settings):
    """The pages default to Simplified Chinese; these tests read the English source strings."""
    settings.LANGUAGE_CODE = "en"
