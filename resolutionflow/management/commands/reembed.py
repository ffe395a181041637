from django.core.management.base import BaseCommand

from resolutionflow.ai.embeddings import get_embedder
from resolutionflow.ai.embeddings.registry import reembed, registered


class Command(BaseCommand):
    help = "Re-embed everything that holds an embedding (flows, sessions, proposals) with the current model."

    def add_arguments(self, parser):
        parser.add_argument("labels", nargs="*", help=f"Only these (of: {', '.join(registered()) or 'none yet'}).")
        parser.add_argument("--stale", action="store_true", help="Only rows embedded by another model.")

    def handle(self, *args, labels=(), stale=False, **options):
        counts = reembed(list(labels) or None, stale_only=stale)
        model = get_embedder().model_name
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count} re-embedded with {model}")
