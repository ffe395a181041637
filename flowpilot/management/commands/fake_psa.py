import signal

from django.core.management.base import BaseCommand, CommandError

from flowpilot.psa.connectors.base import Provider
from flowpilot.psa.connectors.http_client import is_loopback
from flowpilot.psa.fake import FakePsa


def _interrupt(signum, frame):
    """SIGTERM stops the server like Ctrl-C does (exit code 0, the socket closed)."""
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = (
        "Serve the fake PSA (ConnectWise PSA, HaloPSA and Autotask in one, in memory) on this machine, "
        "with a page at / listing its tickets, notes and time entries. Ctrl-C stops it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8765, help="Port to listen on (default 8765).")
        parser.add_argument("--host", default="127.0.0.1", help="Loopback address only (default 127.0.0.1).")
        parser.add_argument("--verbose", action="store_true", help="Log every request.")

    def handle(self, *args, port=8765, host="127.0.0.1", verbose=False, **options):
        if not is_loopback(host):
            raise CommandError(f"The fake PSA listens on this machine only; {host!r} is not a loopback address.")
        if not 0 <= port <= 65535:
            raise CommandError(f"{port} is not a port number.")
        try:
            fake = FakePsa(host, port, verbose=verbose)
        except OSError as exc:
            raise CommandError(f"Cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        signal.signal(signal.SIGTERM, _interrupt)
        self.stdout.write(f"Fake PSA on {fake.url}/ (tickets, notes and time entries at that page)")
        for provider in Provider:
            urls = ", ".join(
                f"{key}={value}"
                for key, value in fake.config(provider).settings.items()
                if key == "site" or key.endswith("url")
            )
            self.stdout.write(f"  {provider.value}: {urls}")
        try:
            fake.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
