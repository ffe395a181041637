from django.core.management.base import BaseCommand, CommandError

from knowledge.starter import import_starter_library
from resolutionflow.models import Account


class Command(BaseCommand):
    help = "Import the starter flow library into an account (flows it already has, by slug, are skipped)."

    def add_arguments(self, parser):
        parser.add_argument("account", help="The account's slug.")

    def handle(self, *args, account, **options):
        try:
            target = Account.objects.get(slug=account)
        except Account.DoesNotExist as exc:
            raise CommandError(f"No account with slug {account!r}.") from exc
        created = import_starter_library(target)
        self.stdout.write(self.style.SUCCESS(f"{len(created)} starter flows imported into {target.name}."))
