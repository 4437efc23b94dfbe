"""Signals of the statements app, so that it never depends on the app that mails people (notifications).

- `monthly_bill_finalized(monthly_bill)`: a month's bill became final (sent inside the transaction).
- `invoice_request_decided(invoice_request)`: finance issued or rejected an invoice request (inside the
  transaction).

The notifications app listens and mails the people concerned after commit.
"""

from django.dispatch import Signal

monthly_bill_finalized = Signal()
invoice_request_decided = Signal()
