from django.apps import AppConfig


class ResolutionflowConfig(AppConfig):
    name = "resolutionflow"
    verbose_name = "Accounts and platform"
