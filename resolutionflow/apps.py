from django.apps import AppConfig


class ResolutionflowConfig(AppConfig):
    name = "resolutionflow"
    verbose_name = "Accounts and platform"

    def ready(self):
        from resolutionflow import selectors
        from resolutionflow.home import HomeBlock, register_home_block

        register_home_block(
            HomeBlock(
                key="teams",
                title="Teams",
                template="resolutionflow/home/teams.html",
                context=lambda user: {"items": list(selectors.teams(user))},
                url_name="",
                link_label="",
                empty_title="No teams yet",
                empty_text="Teams group your engineers, so flows, sessions and reviews can be shared with the right "
                "people. Teams your account sets up (in the admin) appear here.",
                order=900,
                wide=True,
            )
        )
