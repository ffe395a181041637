from django.apps import AppConfig

# The sidebar entry whose badge counts the escalated sessions waiting for the user or the user's team.
ESCALATIONS_BADGE = "escalations"


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

        from knowledge.sessions import register_session_lister

        def visible_sessions(user, ids, limit):
            """The review page lists a proposal's supporting sessions the reviewer may see."""
            return selectors.sessions(user, scope="all").filter(pk__in=ids)[:limit]

        register_session_lister(visible_sessions)

        from flowpilot import escalations
        from flowpilot.psa import selectors as psa_selectors
        from resolutionflow.navigation import register_badge

        register_badge(ESCALATIONS_BADGE, escalations.inbox_count)
        register_badge("psa_pushes", lambda user: psa_selectors.dead_pushes(user).count() if user.is_admin else 0)

        from flowpilot import home

        home.register()

        from flowpilot import demo
        from flowpilot.psa import demo as psa_demo
        from flowpilot.psa import demo_connection
        from resolutionflow.demo import register_demo_step

        register_demo_step(25, demo_connection.seed, "PSA connection to the fake PSA")
        register_demo_step(
            30, demo.seed, "Sessions over 90 days", history=True
        )  # sessions through the flows knowledge seeded (20)
        register_demo_step(35, psa_demo.seed, "Ticket links and PSA pushes", history=True)  # in every state
        register_demo_step(
            40, demo.analyze, "Flywheel analysis of the sessions", history=True
        )  # then the flywheel over them
