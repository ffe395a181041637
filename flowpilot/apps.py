from django.apps import AppConfig


class FlowpilotConfig(AppConfig):
    name = "flowpilot"
    verbose_name = "FlowPilot sessions"
