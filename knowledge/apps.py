from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = "Knowledge: flows, proposals and the flywheel"

    def ready(self):
        from knowledge.models import Tree, TreeStatus
        from resolutionflow.ai.embeddings.registry import register

        # Published flows are embedded on publish; `reembed` rebuilds them after a model change.
        register("flows", lambda: Tree.objects.exclude(status=TreeStatus.DRAFT), text=lambda t: t.embedded_text)
