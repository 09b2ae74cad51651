"""Admin action: set or clear grants and the maximum TTL of many users or groups.

Three steps: choose the changes, read what changes for whom, apply. The plan
is made again when applying, from the rules as they are then, so the page a
person confirmed cannot write values someone changed meanwhile back.
"""

from dataclasses import dataclass, field
from typing import cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import transaction
from django.db.models import Field
from django.template.response import TemplateResponse

from tokens import policy
from tokens.admin import removals
from tokens.admin.actions import _owner_field, _with_form
from tokens.models import GrantRule

SWITCHES = ("voice_outgoing", "voice_incoming", "chat", "sync")
LEAVE = [("", "leave as it is")]
SWITCH_CHOICES = [*LEAVE, ("on", "give"), ("off", "take away")]
TTL_CHOICES = [*LEAVE, ("set", "set to the seconds below"), ("clear", "server default")]


def _rule_field(name: str) -> Field:
    # One of GrantRule's own columns, never a relation.
    return cast(Field, GrantRule._meta.get_field(name))


def _label(name: str) -> str:
    return str(_rule_field(name).verbose_name)


# The video field's (value, label) pairs: flat, without groups.
VIDEO_CHOICES = cast(list[tuple[str, str]], _rule_field("video").choices)


class GrantChangeForm(forms.Form):
    video = forms.ChoiceField(
        label=_label("video"),
        choices=[*LEAVE, *VIDEO_CHOICES],
        required=False,
    )
    voice_outgoing = forms.ChoiceField(
        label=_label("voice_outgoing"), choices=SWITCH_CHOICES, required=False
    )
    voice_incoming = forms.ChoiceField(
        label=_label("voice_incoming"), choices=SWITCH_CHOICES, required=False
    )
    chat = forms.ChoiceField(
        label=_label("chat"), choices=SWITCH_CHOICES, required=False
    )
    sync = forms.ChoiceField(
        label=_label("sync"), choices=SWITCH_CHOICES, required=False
    )
    max_ttl = forms.ChoiceField(
        label=_label("max_ttl"), choices=TTL_CHOICES, required=False
    )
    seconds = forms.IntegerField(
        required=False,
        min_value=policy.MIN_TTL,
        max_value=policy.MAX_TTL,
        help_text=f"From {policy.MIN_TTL} to {policy.MAX_TTL}.",
    )

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("max_ttl") == "set" and cleaned.get("seconds") is None:
            self.add_error("seconds", "Say how many seconds the maximum is.")
        if not self.errors and not wanted(cleaned):
            raise forms.ValidationError("Choose at least one change.")
        return cleaned


def wanted(data: dict) -> dict:
    """The values to write, by rule field; fields left as they are are absent."""
    values = {"video": data["video"]} if data.get("video") else {}
    for name in SWITCHES:
        if data.get(name):
            values[name] = data[name] == "on"
    if data.get("max_ttl"):
        values["max_ttl"] = data.get("seconds") if data["max_ttl"] == "set" else None
    return values


def shown(name: str, value) -> str:
    if name == "video":
        return dict(VIDEO_CHOICES)[value]
    if name == "max_ttl":
        return "server default" if value is None else f"{value} s"
    return "yes" if value else "no"


@dataclass
class Change:
    """What the action does to one user or group."""

    owner: object
    rule: GrantRule | None  # None: the owner has no rule yet, one is created
    fields: dict = field(default_factory=dict)  # name -> (old, new)

    def lines(self) -> list[str]:
        return [
            f"{_label(name)}: {shown(name, old)} → {shown(name, new)}"
            for name, (old, new) in self.fields.items()
        ]

    def summary(self) -> str:
        return "; ".join(self.lines())


def plan(owners, wanted: dict) -> list[Change]:
    """Each owner's change: the wanted values that differ from their rule's."""
    changes = []
    for owner in owners:
        rule = getattr(owner, "grant_rule", None)
        current = rule or GrantRule()  # the defaults a new rule starts from
        fields = {
            name: (getattr(current, name), value)
            for name, value in wanted.items()
            if getattr(current, name) != value
        }
        changes.append(Change(owner, rule, fields))
    return changes


def _owners(queryset, *, lock: bool = False) -> list:
    if lock:
        # Hold the rules before reading them: a concurrent change waits
        # instead of being overwritten with values read before it.
        field_name = _owner_field(queryset)
        rules = GrantRule.objects.select_for_update().filter(
            **{f"{field_name}__in": queryset.values("pk")}
        )
        list(rules.values_list("pk", flat=True))
    return list(queryset.select_related("grant_rule").order_by("pk"))


def may_create_rules(request) -> bool:
    return request.user.has_perm("tokens.add_grantrule")


def _confirmation(modeladmin, request, queryset, form, changes):
    missing = [c.owner for c in changes if c.fields and c.rule is None]
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Confirm grant changes",
        "form": form,
        "changes": changes,
        "changing": [c for c in changes if c.fields],
        "refused": missing if not may_create_rules(request) else [],
        "queryset": queryset,
        "opts": modeladmin.model._meta,
        "action": "change_grants",
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/tokens/grant_changes.html", context)


def _write(modeladmin, request, field_name: str, change: Change) -> None:
    new = {name: value for name, (_, value) in change.fields.items()}
    message = f"Changed by the bulk grant action: {change.summary()}."
    if change.rule is None:
        rule = GrantRule.objects.create(**{field_name: change.owner}, **new)
        modeladmin.log_addition(request, rule, message)
        return
    for name, value in new.items():
        setattr(change.rule, name, value)
    change.rule.save(update_fields=list(new))
    modeladmin.log_change(request, change.rule, message)


def _apply(modeladmin, request, queryset, wanted: dict) -> None:
    field_name = _owner_field(queryset)
    with transaction.atomic():
        changes = [c for c in plan(_owners(queryset, lock=True), wanted) if c.fields]
        if any(c.rule is None for c in changes) and not may_create_rules(request):
            modeladmin.message_user(
                request,
                "Nothing changed: some selected have no grant rule yet and you "
                "may not create grant rules.",
                messages.ERROR,
            )
            return
        for change in changes:
            _write(modeladmin, request, field_name, change)
    modeladmin.message_user(
        request,
        f"Changed the grants of {len(changes)} {field_name}(s).",
        messages.SUCCESS,
    )
    owners = [change.owner for change in changes]
    concerned = removals.candidates(**{f"{field_name}s": owners})
    removals.warn_removals(request, concerned)


@admin.action(
    description="Set or clear grants and the maximum lifetime…",
    permissions=["change_grants"],
)
def change_grants(modeladmin, request, queryset):
    def apply(data):
        if "confirm" in request.POST:
            return _apply(modeladmin, request, queryset, wanted(data))
        changes = plan(_owners(queryset), wanted(data))
        # Bound to the same POST, the form carries the choices to the last step.
        form = GrantChangeForm(request.POST)
        return _confirmation(modeladmin, request, queryset, form, changes)

    return _with_form(
        modeladmin,
        request,
        queryset,
        GrantChangeForm,
        "Change grants",
        apply,
        action="change_grants",
    )
