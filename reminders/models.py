"""Invitation and reminder schedules, the dispatch log and the chase log.

A round's `Schedule` holds its `Rule`s: when a message is due (relative to the
round's opening or closing, or to a municipality's submission), to whom
(an audience by response status, all contacts or one role), in which words
(Bokmål and Nynorsk) and in which send window. Every message that is to go
out is first a `Dispatch` row, unique per rule and contact (or per chase entry
and contact for a personal reminder): that row, written before anything is
handed to SMTP, is what makes each message go out at most once, and the
sweep over pending rows is what makes it go out at least once.
"""

import datetime
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from municipalities.models import Contact
from operations.models import TimestampedModel


class Schedule(TimestampedModel):
    """The reminder schedule of one round; pausing it holds every rule and every pending message."""

    survey = models.OneToOneField(
        "surveys.Survey", on_delete=models.CASCADE, related_name="reminder_schedule", verbose_name=_("round")
    )
    paused_at = models.DateTimeField(_("paused"), null=True, blank=True)
    paused_by = models.CharField(_("paused by"), max_length=150, blank=True)
    personal_subject_nb = models.CharField(
        _("personal reminder subject (Bokmål)"),
        max_length=200,
        default="Påminnelse: Kommuneundersøkelsen {year} for {municipality}",
    )
    personal_subject_nn = models.CharField(
        _("personal reminder subject (Nynorsk)"),
        max_length=200,
        default="Påminning: Kommuneundersøkinga {year} for {municipality}",
    )
    personal_body_nb = models.TextField(
        _("personal reminder text (Bokmål)"),
        default=(
            "Hei {name},\n\nVi har ennå ikke fått svar fra {municipality} på Kommuneundersøkelsen {year}. "
            "Fristen er {deadline}. Svarene er viktige for oppfølgingen fra regionkontoret.\n\n"
            "Svar her: {link}\n\nVennlig hilsen\n{officer}\n"
        ),
        help_text=_("Placeholders: {name}, {municipality}, {year}, {deadline}, {link}, {officer}."),
    )
    personal_body_nn = models.TextField(
        _("personal reminder text (Nynorsk)"),
        default=(
            "Hei {name},\n\nVi har enno ikkje fått svar frå {municipality} på Kommuneundersøkinga {year}. "
            "Fristen er {deadline}. Svara er viktige for oppfølginga frå regionkontoret.\n\n"
            "Svar her: {link}\n\nVenleg helsing\n{officer}\n"
        ),
        help_text=_("Placeholders: {name}, {municipality}, {year}, {deadline}, {link}, {officer}."),
    )

    class Meta:
        ordering = ["-survey__year"]
        verbose_name = _("reminder schedule")
        verbose_name_plural = _("reminder schedules")

    def __str__(self) -> str:
        return str(self.survey)

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None


class Rule(TimestampedModel):
    """One message of a schedule: when, to whom, what, and in which hours."""

    class Kind(models.TextChoices):
        INVITATION = "invitation", _("invitation")
        REMINDER = "reminder", _("reminder")
        THANK_YOU = "thank_you", _("thank you")

    class Anchor(models.TextChoices):
        OPENS = "opens", _("days after the round opens")
        CLOSES = "closes", _("days after the round closes (negative: before)")
        SUBMISSION = "submission", _("days after the municipality submits")

    class Audience(models.TextChoices):
        ALL = "all", _("every municipality")
        NOT_STARTED = "not_started", _("not started")
        STARTED = "started", _("started but not submitted")
        NOT_SUBMITTED = "not_submitted", _("not submitted")
        SUBMITTED = "submitted", _("submitted")

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="rules", verbose_name=_("schedule"))
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.REMINDER)
    anchor = models.CharField(_("counted from"), max_length=20, choices=Anchor.choices, default=Anchor.OPENS)
    offset_days = models.SmallIntegerField(_("days"), default=0)
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices, default=Audience.ALL)
    contact_role = models.CharField(
        _("contacts"),
        max_length=30,
        choices=Contact.Role.choices,
        blank=True,
        help_text=_("Empty: every contact of the municipality who answers for a role."),
    )
    subject_nb = models.CharField(_("subject (Bokmål)"), max_length=200, blank=True)
    subject_nn = models.CharField(_("subject (Nynorsk)"), max_length=200, blank=True)
    body_nb = models.TextField(_("text (Bokmål)"), blank=True)
    body_nn = models.TextField(_("text (Nynorsk)"), blank=True)
    window_start = models.TimeField(_("send from"), default=datetime.time(8, 0))
    window_end = models.TimeField(_("send until"), default=datetime.time(16, 0))
    weekdays_only = models.BooleanField(_("weekdays only"), default=True)
    skip_after_contact_days = models.PositiveSmallIntegerField(
        _("skip after a contact (days)"),
        default=0,
        help_text=_(
            "A municipality whose officer called, e-mailed, met or sent a personal reminder within this "
            "many days gets no message from this rule. 0: nobody is skipped."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["schedule", "anchor", "offset_days", "pk"]
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        constraints = [
            models.CheckConstraint(condition=Q(window_end__gt=F("window_start")), name="rule_window_ends_after_start"),
            models.CheckConstraint(
                condition=~Q(anchor="submission") | Q(offset_days__gte=0, audience="submitted"),
                name="rule_after_submission_goes_to_submitted",
            ),
            models.CheckConstraint(
                condition=Q(kind="invitation") | (~Q(subject_nb="") & ~Q(body_nb="")),
                name="rule_has_a_text_unless_invitation",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.contact_role == Contact.Role.OTHER:
            raise ValidationError(
                {"contact_role": _("Contacts with the role “other” answer for no section and get no link.")}
            )

    def due_at(self) -> datetime.datetime | None:
        """When the rule falls due for the round; None for rules counted from each submission.
        Days are counted on the clock in Oslo, so a reminder keeps its hour across summer time."""
        survey = self.schedule.survey
        anchors = {self.Anchor.OPENS: survey.opens_at, self.Anchor.CLOSES: survey.closes_at}
        if self.anchor not in anchors:
            return None
        local = anchors[self.anchor].astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE))
        return local + datetime.timedelta(days=self.offset_days)

    def in_window(self, moment: datetime.datetime) -> bool:
        """Whether `moment` lies in the rule's send window, in the platform's time zone."""
        local = moment.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE))
        if self.weekdays_only and local.weekday() >= 5:
            return False
        return self.window_start <= local.time() < self.window_end


class ChaseEntry(TimestampedModel):
    """A regional officer's contact with a municipality: a call, an e-mail, a meeting or a
    personal reminder sent from the board."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("phone")
        EMAIL = "email", _("e-mail")
        MEETING = "meeting", _("meeting")
        REMINDER = "reminder", _("personal reminder from the platform")

    class Outcome(models.TextChoices):
        WILL_ANSWER = "will_answer", _("will answer")
        NO_CONTACT = "no_contact", _("not reached")
        MESSAGE_LEFT = "message_left", _("message left")
        DECLINES = "declines", _("does not want to answer")
        NEEDS_HELP = "needs_help", _("needs help")
        SENT = "sent", _("reminder sent")

    survey = models.ForeignKey(
        "surveys.Survey", on_delete=models.CASCADE, related_name="chase_entries", verbose_name=_("round")
    )
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        on_delete=models.PROTECT,
        related_name="chase_entries",
        verbose_name=_("municipality"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("staff member")
    )
    channel = models.CharField(_("how"), max_length=20, choices=Channel.choices)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    note = models.TextField(_("note"), blank=True)
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True)
    request_key = models.UUIDField(
        _("request key"),
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text=_("Makes a personal reminder clicked twice go out once."),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("chase entry")
        verbose_name_plural = _("chase entries")
        indexes = [models.Index(fields=["survey", "municipality", "-created_at"], name="chase_entry_latest_idx")]

    def __str__(self) -> str:
        return f"{self.municipality} – {self.get_channel_display()} ({self.created_at:%Y-%m-%d})"


class Dispatch(TimestampedModel):
    """One message to one contact, by a rule or as a personal reminder. Written before the
    message is handed to SMTP; its status records what became of it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        SKIPPED = "skipped", _("skipped")

    class SkipReason(models.TextChoices):
        SUBMITTED = "submitted", _("the municipality has submitted")
        STARTED = "started", _("the municipality has started")
        NOT_SUBMITTED = "not_submitted", _("the municipality has not submitted")
        INACTIVE = "inactive", _("the contact is no longer active")
        MALFORMED = "malformed", _("the e-mail address is not valid")
        NO_ROLE = "no_role", _("the contact answers for no section")
        ROUND_CLOSED = "round_closed", _("the round is no longer open")
        ERASED = "erased", _("the contact's personal data was erased")
        CONTACTED = "contacted", _("the regional officer was in contact shortly before")

    survey = models.ForeignKey(
        "surveys.Survey", on_delete=models.CASCADE, related_name="dispatches", verbose_name=_("round")
    )
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        on_delete=models.PROTECT,
        related_name="dispatches",
        verbose_name=_("municipality"),
    )
    # Erasing a contact's personal data (privacy.services) deletes the contact and blanks `email`;
    # the row stays, so the round's mail log and response-rate history keep their counts.
    contact = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dispatches",
        verbose_name=_("contact"),
    )
    rule = models.ForeignKey(
        Rule, on_delete=models.PROTECT, null=True, blank=True, related_name="dispatches", verbose_name=_("rule")
    )
    chase_entry = models.ForeignKey(
        ChaseEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dispatches",
        verbose_name=_("personal reminder"),
    )
    invitation = models.ForeignKey(
        "surveys.Invitation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("link sent"),
    )
    email = models.CharField(_("e-mail"), max_length=254)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    skip_reason = models.CharField(_("skipped because"), max_length=20, choices=SkipReason.choices, blank=True)
    failure_reason = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("sent message")
        verbose_name_plural = _("sent messages")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "contact"], condition=Q(rule__isnull=False), name="one_dispatch_per_rule_and_contact"
            ),
            models.UniqueConstraint(
                fields=["chase_entry", "contact"],
                condition=Q(chase_entry__isnull=False),
                name="one_dispatch_per_personal_reminder_and_contact",
            ),
            models.CheckConstraint(
                condition=Q(rule__isnull=True, chase_entry__isnull=False)
                | Q(rule__isnull=False, chase_entry__isnull=True),
                name="dispatch_by_rule_or_personal_reminder",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="sent_dispatch_has_a_time"
            ),
            models.CheckConstraint(
                condition=(Q(status="skipped") & ~Q(skip_reason="")) | (~Q(status="skipped") & Q(skip_reason="")),
                name="skipped_dispatch_has_a_reason",
            ),
        ]
        indexes = [
            # Serves the sweep that hands pending messages to the workers.
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="dispatch_pending_sweep_idx"),
            models.Index(fields=["survey", "municipality", "status"], name="dispatch_survey_unit_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.email} – {self.rule or self.chase_entry} ({self.get_status_display()})"
