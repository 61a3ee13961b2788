from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = "Record repair: merge, split, undo"

    def ready(self) -> None:
        from records.relations import relations_register

        relations_register()
