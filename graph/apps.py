from django.apps import AppConfig


class GraphConfig(AppConfig):
    name = "graph"
    verbose_name = "Research graph"

    def ready(self) -> None:
        from graph.listeners import slices_precompute_on_change
        from profiles.services.refresh import researchers_changed_listen

        researchers_changed_listen("graph.slices_precompute", slices_precompute_on_change)
