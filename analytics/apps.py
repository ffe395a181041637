from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Analytics and knowledge gaps"

    def ready(self):
        from analytics import home

        home.register()
