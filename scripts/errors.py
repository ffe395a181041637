"""Domain errors of the scripts app. Each declares its API answer (resolutionflow.api.errors maps it)."""

from scripts.template_engine import InvalidParameters, InvalidSchema, InvalidTemplate

__all__ = ["InvalidParameters", "InvalidSchema", "InvalidTemplate", "NotUsable"]


class NotUsable(Exception):
    """The template (or AI session) does not exist for this user: another account's, another team's, or
    inactive. Indistinguishable from a missing one (404)."""

    api_status = 404

    def api_body(self) -> dict:
        return {"detail": "Not found."}
