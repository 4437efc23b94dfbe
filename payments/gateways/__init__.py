from payments.gateways.base import (  # noqa: F401
    CallbackRejected,
    default_provider,
    get_gateway,
    online_payment_available,
    sandbox_enabled,
)
