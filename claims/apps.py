from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims and moderation"

    def ready(self) -> None:
        from allauth.account.signals import password_reset

        from claims.accounts import axes_reset_on_password_reset

        # A password reset lifts the admin log-in lock-out (django-axes) of the account.
        password_reset.connect(axes_reset_on_password_reset, dispatch_uid="claims-axes-reset")
        from claims.selectors import CLAIM_PANEL_SQL, claim_panel, claim_panel_from_column
        from profiles.profile_panels import profile_panel_register
        from profiles.viewer_page import viewer_part_register

        # The profile page's Identity and Direct collaboration cards (see profile_panels).
        profile_panel_register("claim_panel", claim_panel)
        # The same panel on a signed-in profile spliced from the stored page: one column.
        viewer_part_register("claim_panel", sql=CLAIM_PANEL_SQL, build=claim_panel_from_column)
