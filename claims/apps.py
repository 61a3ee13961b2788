from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims and moderation"

    def ready(self) -> None:
        from claims.selectors import claim_panel
        from profiles.profile_panels import profile_panel_register

        # The profile page's Identity and Direct collaboration cards (see profile_panels).
        profile_panel_register("claim_panel", claim_panel)
