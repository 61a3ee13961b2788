from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "profiles"
    verbose_name = "Researcher profiles"

    def ready(self) -> None:
        from profiles.follow_selectors import FOLLOWING_SQL, following_from_column
        from profiles.viewer_page import viewer_part_register

        # The follow button of a signed-in view spliced into the stored page (viewer_page).
        viewer_part_register("is_following", sql=FOLLOWING_SQL, build=following_from_column)
