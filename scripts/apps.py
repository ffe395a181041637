from django.apps import AppConfig


class ScriptsConfig(AppConfig):
    name = "scripts"
    verbose_name = "Script generator"

    def ready(self):
        from resolutionflow.demo import register_demo_step
        from scripts import demo

        register_demo_step(10, demo.seed, "Built-in script templates")  # first: demo sessions generate scripts
        register_demo_step(45, demo.seed_history, "Script history", history=True)
