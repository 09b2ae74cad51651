"""Who an identity provider's subject is here: (issuer, sub) -> user."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class OidcLink(models.Model):
    """A user signs in with the provider's ID token whose `iss` and `sub` match.

    The key is the subject, never the email: emails change hands and a
    provider may let people type any. Staff create links in the admin.
    """

    issuer = models.CharField(max_length=255)
    subject = models.CharField(
        max_length=255, help_text="The ID token's `sub` claim, exactly."
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oidc_links"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "identity provider link"
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject"], name="oidc_link_issuer_subject"
            )
        ]

    def __str__(self) -> str:
        return f"{self.issuer} {self.subject} -> {self.user}"
