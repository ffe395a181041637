from django.core.management.base import BaseCommand

from resolutionflow.ai.embeddings import get_embedder
from resolutionflow.ai.embeddings.registry import reembed


class Command(BaseCommand):
    help = "Re-embed every flow with the current embedding model (after changing EMBEDDING_PROVIDER)."

    def add_arguments(self, parser):
        parser.add_argument("--stale", action="store_true", help="Only flows embedded by another model.")

    def handle(self, *args, stale=False, **options):
        count = reembed(["flows"], stale_only=stale).get("flows", 0)
        self.stdout.write(f"{count} flows re-embedded with {get_embedder().model_name}.")
