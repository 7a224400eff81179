"""Inbox settings: SLA policies (in order; the first that fits a conversation wins) and automation rules
(when / if / then), for ``inbox.manage``."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mehvar.conversations import automation_rules, setup_services
from mehvar.conversations.forms_settings import AutomationRuleForm, SlaPolicyForm
from mehvar.conversations.models import AutomationRule, SlaPolicy
from mehvar.conversations.views_inbox import acting
from mehvar.conversations.views_settings import put_errors, slug
from mehvar.core.roles import Perm
from mehvar.core.tenancy import get_in_workspace, workspace_view
from mehvar.customers.models import CustomField


# --- SLA policies ---------------------------------------------------------------------------------------
@workspace_view(Perm.INBOX_MANAGE)
@require_GET
def sla_list(request: HttpRequest) -> HttpResponse:
    policies = list(SlaPolicy.objects.filter(workspace=request.workspace).order_by("position", "pk"))  # type: ignore[attr-defined]
    return render(request, "conversations/settings/sla_list.html", {"policies": policies})


def _sla_save(request: HttpRequest, policy: SlaPolicy | None) -> HttpResponse:
    form = SlaPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        values["warn_percent"] = values["warn_percent"] if values["warn_percent"] is not None else 80
        try:
            saved = setup_services.sla_policy_save(acting=acting(request), policy=policy, **values)
        except ValidationError as error:
            put_errors(form, error)
        else:
            messages.success(request, _("The SLA policy “%(name)s” was saved.") % {"name": saved.name})
            return redirect("inbox:settings_sla", slug=slug(request))
    return render(request, "conversations/settings/sla_form.html", {"form": form, "policy": policy})


@workspace_view(Perm.INBOX_MANAGE)
@require_http_methods(["GET", "POST"])
def sla_create(request: HttpRequest) -> HttpResponse:
    return _sla_save(request, None)


@workspace_view(Perm.INBOX_MANAGE)
@require_http_methods(["GET", "POST"])
def sla_edit(request: HttpRequest, policy_id: int) -> HttpResponse:
    return _sla_save(request, get_in_workspace(SlaPolicy, request.workspace, pk=policy_id))  # type: ignore[attr-defined]


@workspace_view(Perm.INBOX_MANAGE)
@require_POST
def sla_delete(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = get_in_workspace(SlaPolicy, request.workspace, pk=policy_id)  # type: ignore[attr-defined]
    setup_services.sla_policy_delete(acting=acting(request), policy=policy)
    messages.success(request, _("The SLA policy “%(name)s” was deleted.") % {"name": policy.name})
    return redirect("inbox:settings_sla", slug=slug(request))


@workspace_view(Perm.INBOX_MANAGE)
@require_POST
def sla_move(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = get_in_workspace(SlaPolicy, request.workspace, pk=policy_id)  # type: ignore[attr-defined]
    setup_services.sla_policy_move(acting=acting(request), policy=policy, up=request.POST.get("to") == "up")
    return redirect("inbox:settings_sla", slug=slug(request))


# --- automation rules -----------------------------------------------------------------------------------
@workspace_view(Perm.INBOX_MANAGE)
@require_GET
def rules_list(request: HttpRequest) -> HttpResponse:
    rules = list(
        AutomationRule.objects.filter(workspace=request.workspace).order_by("event", "position", "pk")  # type: ignore[attr-defined]
    )
    return render(
        request,
        "conversations/settings/rules.html",
        {"rules": rules, "events": automation_rules.EVENTS, "actions": automation_rules.ACTIONS},
    )


def _rule_save(request: HttpRequest, rule: AutomationRule | None) -> HttpResponse:
    keys = list(
        CustomField.objects.filter(workspace=request.workspace).order_by("key").values_list("key", flat=True)  # type: ignore[attr-defined]
    )
    form = AutomationRuleForm(request.POST or None, custom_keys=keys, rule=rule)
    item_errors: dict[str, list[str]] = {}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = automation_rules.automation_rule_save(
                workspace=request.workspace,  # type: ignore[attr-defined]
                acting=acting(request),
                rule=rule,
                name=data["name"],
                event=data["event"],
                enabled=data["enabled"],
                position=data["position"] or 0,
                conditions=form.conditions(),
                actions=form.actions(),
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                if field in ("conditions", "actions"):
                    item_errors[field] = errors
                else:
                    form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The rule “%(name)s” was saved.") % {"name": saved.name})
            return redirect("inbox:settings_rules", slug=slug(request))
    return render(
        request,
        "conversations/settings/rule_form.html",
        {
            "form": form,
            "rule": rule,
            "item_errors": item_errors,
            "actions_help": automation_rules.ACTIONS,
        },
    )


@workspace_view(Perm.INBOX_MANAGE)
@require_http_methods(["GET", "POST"])
def rule_create(request: HttpRequest) -> HttpResponse:
    return _rule_save(request, None)


@workspace_view(Perm.INBOX_MANAGE)
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    return _rule_save(request, get_in_workspace(AutomationRule, request.workspace, pk=rule_id))  # type: ignore[attr-defined]


@workspace_view(Perm.INBOX_MANAGE)
@require_POST
def rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = get_in_workspace(AutomationRule, request.workspace, pk=rule_id)  # type: ignore[attr-defined]
    automation_rules.automation_rule_delete(rule=rule, acting=acting(request))
    messages.success(request, _("The rule “%(name)s” was deleted.") % {"name": rule.name})
    return redirect("inbox:settings_rules", slug=slug(request))


@workspace_view(Perm.INBOX_MANAGE)
@require_POST
def rule_toggle(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = get_in_workspace(AutomationRule, request.workspace, pk=rule_id)  # type: ignore[attr-defined]
    try:
        automation_rules.automation_rule_save(
            workspace=request.workspace,  # type: ignore[attr-defined]
            acting=acting(request),
            rule=rule,
            name=rule.name,
            event=rule.event,
            conditions=rule.conditions,
            actions=rule.actions,
            enabled=not rule.enabled,
            position=rule.position,
        )
    except ValidationError:
        messages.error(
            request, _("This rule no longer fits the workspace (a team or reply is gone): edit it.")
        )
        return redirect("inbox:settings_rule_edit", slug=slug(request), rule_id=rule.pk)
    return redirect("inbox:settings_rules", slug=slug(request))
