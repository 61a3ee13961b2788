from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = "Record repair: merge, split, undo"

    def ready(self) -> None:
        from profiles.services.refresh import researchers_changed_listen
        from records.listeners import candidates_on_import
        from records.relations import relations_register

        relations_register()
        # After an import, look for duplicates among the records it touched.
        researchers_changed_listen("records_candidates", candidates_on_import)
