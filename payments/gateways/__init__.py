from payments.gateways.base import (  # noqa: F401
    CallbackRejected,
    CallbackResult,
    PaymentGateway,
    default_provider,
    get_gateway,
)
