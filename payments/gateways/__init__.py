from payments.gateways.base import (  # noqa: F401
    CallbackRejected,
    CallbackResult,
    PaymentGateway,
    default_provider,
    get_gateway,
    online_payment_available,
    providers,
    sandbox_enabled,
)
