"""The registry: regions, counties, municipalities and districts, their yearly
profiles, their contacts, and the staff roles that scope who sees what.

Units are versioned: a municipality or county row is valid from one date to
another, and a reform ends rows and starts new ones linked by
`MunicipalityChange`. A number is unique only among rows valid at the same
time (a PostgreSQL exclusion constraint, see migration 0002).
"""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from operations.models import TimestampedModel


class ValidQuerySet(models.QuerySet):
    def valid_on(self, day: datetime.date) -> "ValidQuerySet":
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day),
            Q(valid_to__isnull=True) | Q(valid_to__gte=day),
        )

    def current(self) -> "ValidQuerySet":
        return self.valid_on(datetime.date.today())


class RegionScheme(TimestampedModel):
    """A way of grouping municipalities into regions, e.g. the six regional
    offices of 2015 or one region per county. Exactly one scheme is active:
    the one that scopes regional officers and that breakdowns use by default."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("in force"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("region scheme")
        verbose_name_plural = _("region schemes")
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="one_active_region_scheme")
        ]

    def __str__(self) -> str:
        return self.name


class Region(TimestampedModel):
    """A named group of counties and, where a county is split between regions,
    single municipalities (a municipality member overrides its county)."""

    scheme = models.ForeignKey(RegionScheme, on_delete=models.CASCADE, related_name="regions", verbose_name=_("scheme"))
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    office_email = models.EmailField(_("office e-mail"), blank=True)
    counties = models.ManyToManyField("County", blank=True, related_name="regions", verbose_name=_("counties"))
    municipalities = models.ManyToManyField(
        "Municipality",
        blank=True,
        related_name="direct_regions",
        verbose_name=_("single municipalities"),
        help_text=_("Only for municipalities whose county belongs to another region or is split."),
    )

    class Meta:
        ordering = ["scheme", "name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="region_code_unique_in_scheme"),
            models.UniqueConstraint(fields=["scheme", "name"], name="region_name_unique_in_scheme"),
        ]

    def __str__(self) -> str:
        return self.name


class County(TimestampedModel):
    number = models.CharField(_("number"), max_length=2)
    name = models.CharField(_("name"), max_length=120)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = ValidQuerySet.as_manager()

    class Meta:
        ordering = ["number", "-valid_from"]
        verbose_name = _("county")
        verbose_name_plural = _("counties")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="county_valid_to_after_valid_from",
            ),
            models.UniqueConstraint(fields=["number", "valid_from"], name="county_number_valid_from_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class Municipality(TimestampedModel):
    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("municipality")
        DISTRICT = "district", _("city district")

    number = models.CharField(_("number"), max_length=6)
    name = models.CharField(
        _("official name"),
        max_length=120,
        help_text=_("With official parallel Sami or Kven names, e.g. 'Kárášjohka - Karasjok'."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.MUNICIPALITY)
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="municipalities", verbose_name=_("county")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="districts",
        verbose_name=_("parent municipality"),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    successors = models.ManyToManyField(
        "self",
        through="MunicipalityChange",
        symmetrical=False,
        related_name="predecessors",
        verbose_name=_("successors"),
    )
    delegation_email_domains = models.CharField(
        _("e-mail domains for delegated links"),
        max_length=300,
        blank=True,
        help_text=_(
            "Comma-separated, e.g. bergen.kommune.no. When set, the chief executive can give sections only to "
            "addresses in these domains. Empty: any address."
        ),
    )

    objects = ValidQuerySet.as_manager()

    class Meta:
        ordering = ["number", "-valid_from"]
        verbose_name = _("municipality or district")
        verbose_name_plural = _("municipalities and districts")
        constraints = [
            models.CheckConstraint(condition=~Q(kind="district") | Q(parent__isnull=False), name="district_has_parent"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="municipality_valid_to_after_valid_from",
            ),
            models.UniqueConstraint(fields=["number", "valid_from"], name="municipality_number_valid_from_unique"),
        ]
        indexes = [models.Index(fields=["number"], name="municipality_number_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def is_valid_on(self, day: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)

    @property
    def delegation_domains(self) -> set[str]:
        return {domain.strip().lower() for domain in self.delegation_email_domains.split(",") if domain.strip()}


class MunicipalityChange(TimestampedModel):
    """One edge of a reform: `predecessor` continued (wholly or partly) as
    `successor` from `valid_from`. Time series follow these edges."""

    class ChangeType(models.TextChoices):
        RENUMBERED = "renumbered", _("renumbered")
        MERGED = "merged", _("merged")
        SPLIT = "split", _("split")
        MERGED_NUMBER_KEPT = "merged_number_kept", _("merged, number kept")

    predecessor = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="changes_out", verbose_name=_("predecessor")
    )
    successor = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="changes_in", verbose_name=_("successor")
    )
    valid_from = models.DateField(_("from"))
    change_type = models.CharField(_("change"), max_length=30, choices=ChangeType.choices)

    class Meta:
        ordering = ["valid_from", "predecessor__number"]
        verbose_name = _("municipal reform change")
        verbose_name_plural = _("municipal reform changes")
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="municipality_change_unique"),
            models.CheckConstraint(
                condition=~Q(predecessor=models.F("successor")), name="municipality_change_not_to_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.valid_from})"


class MunicipalityProfile(TimestampedModel):
    """Background attributes of one unit in one year, used by conditions,
    representativeness tables and breakdowns."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="profiles", verbose_name=_("municipality")
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(1990), MaxValueValidator(2100)])
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    centrality_class = models.PositiveSmallIntegerField(
        _("centrality class"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(6)],
        help_text=_(
            "Statistics Norway's class in the standard in force in the profile's year: 1 (most central) to 6 "
            "since 2020, 3 (central) to 0 in the 2008 standard."
        ),
    )
    immigrant_share = models.DecimalField(
        _("immigrant share (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    settles_refugees = models.BooleanField(_("settles refugees"), null=True, blank=True)
    is_partner = models.BooleanField(_("partner municipality"), null=True, blank=True)

    # The attributes questionnaire conditions may name (with the unit's `kind`), e.g. ${settles_refugees}.
    CONDITION_FIELDS = ("settles_refugees", "is_partner", "population", "centrality_class", "immigrant_share")

    class Meta:
        ordering = ["municipality__number", "-year"]
        verbose_name = _("yearly profile")
        verbose_name_plural = _("yearly profiles")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "year"], name="one_profile_per_municipality_and_year"),
            models.CheckConstraint(
                condition=Q(centrality_class__isnull=True) | Q(centrality_class__gte=0, centrality_class__lte=6),
                name="profile_centrality_class_0_to_6",
            ),
            models.CheckConstraint(
                condition=Q(immigrant_share__isnull=True) | Q(immigrant_share__gte=0, immigrant_share__lte=100),
                name="profile_immigrant_share_is_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.year}"


class Contact(TimestampedModel):
    class Role(models.TextChoices):
        CHIEF_EXECUTIVE = "chief_executive", _("chief executive")
        INTRODUCTION_PROGRAMME = "introduction_programme", _("head of the introduction programme")
        SCHOOLS = "schools", _("head of schools")
        OTHER = "other", _("other")

    class Language(models.TextChoices):
        BOKMAAL = "nb", _("Norwegian Bokmål")
        NYNORSK = "nn", _("Norwegian Nynorsk")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("municipality")
    )
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.BOKMAAL)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["municipality__number", "role", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint("municipality", Lower("email"), name="contact_email_unique_per_municipality"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()}, {self.municipality.name})"


class StaffProfile(TimestampedModel):
    """The role of a staff account. Regional officers are bound to one region
    and see only its municipalities (see municipalities.access)."""

    class Role(models.TextChoices):
        SURVEY_ADMIN = "survey_admin", _("survey admin")
        ANALYST = "analyst", _("analyst")
        REGIONAL_OFFICER = "regional_officer", _("regional officer")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="officers",
        verbose_name=_("region"),
        help_text=_("Required for regional officers, empty for the other roles."),
    )

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")
        constraints = [
            models.CheckConstraint(
                condition=(Q(role="regional_officer") & Q(region__isnull=False))
                | (~Q(role="regional_officer") & Q(region__isnull=True)),
                name="regional_officer_has_region_others_none",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"
