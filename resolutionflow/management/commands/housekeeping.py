from django.core.management.base import BaseCommand

from resolutionflow.housekeeping import tidy


class Command(BaseCommand):
    help = "Delete expired rate-limit counts and browser sessions (the daily schedule does it too)."

    def handle(self, *args, **options):
        gone = tidy()
        self.stdout.write(
            f"Deleted {gone['rate_counts']:,} expired rate counts and {gone['sessions']:,} expired sessions."
        )
