"""Freezing: once a round opens, its questionnaire, every question in it and the scales those
questions use are frozen (`frozen_at`), and nothing may change them again. A changed wording
becomes a new question in the same series, so history is never rewritten.

The guard is written once: `FrozenModel` refuses a save or delete of frozen content (its own
`frozen_at`, or its parent's, named by `frozen_via`; the stored parent counts too, so nothing can
be moved out of frozen content), and `FreezableQuerySet` refuses the bulk updates, deletes and
creates that would skip it. On PostgreSQL triggers refuse the same (migrations 0002 and 0005), so
no path can rewrite history.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

FROZEN_MESSAGE = _(
    "%(what)s is frozen because a survey round that uses it has been opened. History is never rewritten: "
    "change the wording through “New version of a question”, or plan the change in next year's draft."
)


class FrozenError(ValidationError):
    """Raised by every write path that tries to change frozen questionnaire content."""

    def __init__(self, what: str):
        super().__init__(FROZEN_MESSAGE, code="frozen", params={"what": what})


class FreezableQuerySet(models.QuerySet):
    """Bulk updates and deletes would skip the model's checks: refuse them on frozen rows,
    and refuse to move rows into frozen content (`parent_field` names the parent)."""

    frozen_lookup = "frozen_at__isnull"
    parent_field: str | None = None

    def _refuse_frozen(self):
        if self.filter(**{self.frozen_lookup: False}).exists():
            raise FrozenError(str(self.model._meta.verbose_name))

    def _refuse_frozen_parent(self, kwargs: dict) -> None:
        if self.parent_field is None:
            return
        for key in (self.parent_field, f"{self.parent_field}_id"):
            if key in kwargs:
                parent = self.model._meta.get_field(self.parent_field).related_model
                target = getattr(kwargs[key], "pk", kwargs[key])
                if parent.objects.filter(pk=target, frozen_at__isnull=False).exists():
                    raise FrozenError(str(parent._meta.verbose_name))

    def update(self, **kwargs):
        self._refuse_frozen()
        self._refuse_frozen_parent(kwargs)
        return super().update(**kwargs)

    def delete(self):
        self._refuse_frozen()
        return super().delete()

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        if self.parent_field is not None:
            parent = self.model._meta.get_field(self.parent_field).related_model
            targets = {getattr(obj, f"{self.parent_field}_id") for obj in objs}
            if parent.objects.filter(pk__in=targets, frozen_at__isnull=False).exists():
                raise FrozenError(str(parent._meta.verbose_name))
        return super().bulk_create(objs, *args, **kwargs)


class ChildOfScaleQuerySet(FreezableQuerySet):
    frozen_lookup = "scale__frozen_at__isnull"
    parent_field = "scale"


class ChildOfQuestionQuerySet(FreezableQuerySet):
    frozen_lookup = "question__frozen_at__isnull"
    parent_field = "question"


class ChildOfQuestionnaireQuerySet(FreezableQuerySet):
    frozen_lookup = "questionnaire__frozen_at__isnull"
    parent_field = "questionnaire"


class FrozenModel(models.Model):
    """Refuses to save or delete frozen content. The content is frozen when it carries
    `frozen_at` itself (`frozen_via` None) or when the parent named by `frozen_via` does, the
    parent the row has now or the one it is stored with."""

    frozen_via: str | None = None

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.is_frozen_in_database():
            raise FrozenError(self.frozen_name())
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_frozen_in_database():
            raise FrozenError(self.frozen_name())
        return super().delete(*args, **kwargs)

    def frozen_name(self) -> str:
        """How the refusal names the frozen content."""
        return str(self)

    def is_frozen_in_database(self) -> bool:
        model = type(self)
        if self.frozen_via is None:
            return bool(self.pk) and model._default_manager.filter(pk=self.pk, frozen_at__isnull=False).exists()
        parent = model._meta.get_field(self.frozen_via).related_model
        stored = model._default_manager.filter(pk=self.pk).values(f"{self.frozen_via}_id")
        current = getattr(self, f"{self.frozen_via}_id")
        return parent._default_manager.filter(Q(pk=current) | Q(pk__in=stored), frozen_at__isnull=False).exists()
