from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = "Record repair: merge, split, undo"

    def ready(self) -> None:
        from profiles.profile_panels import profile_panel_register
        from profiles.services.refresh import researchers_changed_listen
        from profiles.viewer_page import viewer_part_register
        from records.listeners import candidates_on_import
        from records.panels import records_panel
        from records.relations import relations_register

        relations_register()
        # After an import, look for duplicates among the records it touched.
        researchers_changed_listen("records_candidates", candidates_on_import)
        # The profile's links to a record's history, split and "Is this you too?".
        profile_panel_register("records_panel", records_panel)
        viewer_part_register(
            "records_panel",
            sql=None,
            build=lambda _value, user, researcher: records_panel(user=user, researcher=researcher),
        )
