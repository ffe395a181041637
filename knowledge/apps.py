from django.apps import AppConfig

# The sidebar entry whose badge counts the pending proposals a reviewer may act on.
REVIEW_BADGE = "review_queue"


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = "Knowledge: flows, proposals and the flywheel"

    def ready(self):
        from knowledge.models import FlowProposal, ProposalStatus, Tree, TreeStatus
        from resolutionflow.ai.embeddings.registry import register

        # Published flows are embedded on publish; `reembed` rebuilds them after a model change.
        register("flows", lambda: Tree.objects.exclude(status=TreeStatus.DRAFT), text=lambda t: t.embedded_text)
        register(
            "proposals",
            lambda: FlowProposal.objects.exclude(status=ProposalStatus.AUTO_REINFORCED),
            text=lambda p: f"{p.title}. {p.description or ''}",
        )

        from knowledge import selectors
        from resolutionflow.navigation import register_badge

        register_badge(REVIEW_BADGE, selectors.reviewable_pending_count)

        from knowledge import home

        home.register()

        from knowledge import demo
        from resolutionflow.demo import register_demo_step

        register_demo_step(20, demo.seed, "Starter flows")  # after the script templates (10), before the sessions (30)
