from django.apps import AppConfig


class CollabConfig(AppConfig):
    name = "collab"
    verbose_name = "Direct collaboration"

    def ready(self) -> None:
        from collab.selectors import UNREAD_COUNT_SQL, collab_panel, unread_from_column
        from profiles.profile_panels import profile_panel_register
        from profiles.services.record_relations import OnMerge, record_relation_register
        from profiles.viewer_page import viewer_part_register

        # The profile page's openness line and Direct collaboration card (see profile_panels).
        profile_panel_register("collab_panel", collab_panel)
        # The header's unread count on a signed-in profile spliced from the stored page.
        viewer_part_register("collab_unread", sql=UNREAD_COUNT_SQL, build=unread_from_column)
        # Merging records (issue 16): requests and threads follow the record; the merged
        # record's openness goes (its primary key is the record: the kept record's own, or none,
        # stands; at most one of the two has an owner, or the merge is refused).
        record_relation_register("collab.Openness", "researcher", on_merge=OnMerge.DROP)
        record_relation_register(
            "collab.CollabRequest",
            "researcher",
            unique_with=("sender_id",),
            unique_when={"state": "pending"},
        )
        record_relation_register("collab.CollabRequest", "sender_researcher")
