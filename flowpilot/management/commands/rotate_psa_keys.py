"""Re-encrypt every PSA connection's credentials with the first PSA_ENCRYPTION_KEYS key (key rotation)."""

from django.core.management.base import BaseCommand, CommandError

from flowpilot.errors import PsaUnavailable
from flowpilot.psa.connection import reencrypt_all


class Command(BaseCommand):
    help = (
        "Re-encrypt PSA credentials with the first key of PSA_ENCRYPTION_KEYS. Rotate by putting a new key first, "
        "running this, then removing the old key."
    )

    def handle(self, *args, **options):
        try:
            done, unreadable = reencrypt_all()
        except PsaUnavailable as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"{done} PSA connection(s) re-encrypted with the first key.")
        if unreadable:
            self.stderr.write(
                f"{unreadable} connection(s) could not be read with any key: their owners re-enter the credentials."
            )
