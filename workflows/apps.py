from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = "Workflow runs"

    def ready(self) -> None:
        # Every app's tasks.py registers its workflows; the web process needs them too (run now).
        autodiscover_modules("tasks")
