"""`manage.py create_service_token NAME`: a token for the metering pipeline; the key is printed once."""

from django.core.management.base import BaseCommand, CommandError

from core.exceptions import ApplicationError
from quota.ingest import service_token_create


class Command(BaseCommand):
    help = "Create a service token for POST /api/v1/usage/ and print its key (shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name: str, **options):
        try:
            token, key = service_token_create(name=name)
        except ApplicationError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"Service token {token.name!r} created. Its key (shown only once):")
        self.stdout.write(key)
        self.stdout.write(f"Use the header: Authorization: Service {key}")
