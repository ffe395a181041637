from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from scripts.highlighting import stylesheet

CSS_FILE = Path(settings.BASE_DIR) / "static" / "css" / "pygments.css"


class Command(BaseCommand):
    help = "Write static/css/pygments.css: the colours of the script highlighting (committed)."

    def handle(self, *args, **options):
        CSS_FILE.write_text(stylesheet(), encoding="utf-8")
        self.stdout.write(f"Wrote {CSS_FILE.relative_to(settings.BASE_DIR)}")
