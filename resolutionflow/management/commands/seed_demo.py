from django.core.management.base import BaseCommand

from resolutionflow.demo import logins_text, seed_all


class Command(BaseCommand):
    help = "Create or refresh the demo data (idempotent): accounts, teams, users, flows and history."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the demo logins.")
        parser.add_argument("--logins-only", action="store_true", help="Only print the demo logins.")

    def handle(self, *args, quiet_logins=False, logins_only=False, **options):
        if logins_only:
            self.stdout.write(logins_text())
            return
        for line in seed_all():
            self.stdout.write(f"  {line}")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        if not quiet_logins:
            self.stdout.write(logins_text())
