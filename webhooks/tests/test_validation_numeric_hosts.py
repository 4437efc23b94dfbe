"""Short, octal and hex IPv4 forms are not host names: a webhook URL with one is refused like a private
address (resolvers turn 127.1 into 127.0.0.1)."""

import pytest

from core.exceptions import ApplicationError
from webhooks.validation import validate_endpoint_url


@pytest.mark.parametrize("url", ["https://127.1/", "https://10.1/hook", "https://0177.0.0.1/", "https://0x7f.0.0.1/",
                                 "https://0x7f.1/", "https://2130706433.0/"])
def test_numeric_host_forms_are_refused(url):
    with pytest.raises(ApplicationError) as raised:
        validate_endpoint_url(url)
    assert raised.value.code == "webhook_private_address"


@pytest.mark.parametrize("url", ["https://hooks.example.com/x", "https://1password.com/", "https://a.b2/"])
def test_host_names_still_pass(url):
    assert validate_endpoint_url(url) == url
