from django.apps import AppConfig


class FlowpilotConfig(AppConfig):
    name = "flowpilot"
    verbose_name = "FlowPilot sessions"

    def ready(self):
        from flowpilot import permissions, selectors
        from scripts.sessions import register_session_finder

        def session_to_act_on(user, pk):
            """A script generated through the API is linked to a session only by whoever may act on it."""
            session = selectors.session(user, pk)
            permissions.require_actor(user, session)
            return session

        register_session_finder(session_to_act_on)
