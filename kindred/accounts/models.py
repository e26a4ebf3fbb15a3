from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username or "")


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in to Kindred: staff of one or more organisations."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    language = models.CharField(_("preferred language"), max_length=8, choices=settings.LANGUAGES, default="nb")
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("Django admin access"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    # Bumped by "log out everywhere": every session holding the old value becomes invalid.
    session_generation = models.PositiveIntegerField(_("session generation"), default=0)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django checks this hash on every request; including the generation lets one
        # update end every session of the user at once.
        key_salt = "kindred.accounts.User.get_session_auth_hash"
        value = f"{self.password}:{self.session_generation}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()
