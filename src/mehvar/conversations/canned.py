"""The canned replies library: create, change and delete reply templates, and seed a workspace's library
with Persian apology and follow-up templates.

A body may use only the variables ``conversations.templating`` knows (``{{ first_name }}``, ``{{ number }}``,
``{{ today }}`` …); an unknown one is refused here, naming it, so that no agent ever sends ``{{ nmae }}``.
Every change is audited.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from mehvar.conversations.models import CannedReply
from mehvar.conversations.templating import VARIABLES
from mehvar.core.audit import audit_record, snapshot
from mehvar.core.models import AuditEntry, Membership, Workspace
from mehvar.core.roles import Perm, role_has
from mehvar.core.text import normalize_text

A = AuditEntry.Action
BODY_MAX_LENGTH = 5_000
FIELDS = ("title", "shortcut", "purpose", "language", "body")
_VARIABLE_NAMES = r"\{\{\s*([^{}\s]*)\s*\}\}"


def _invalid(name: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({name: ValidationError(message, code=code)})


def _require(acting: Membership) -> None:
    if not role_has(acting.role, Perm.INBOX_MANAGE):
        raise PermissionDenied


def _clean(*, title: str, body: str, shortcut: str, purpose: str, language: str) -> dict[str, str]:
    import re

    title = normalize_text(title)[:120]
    body = normalize_text(body, multiline=True)
    if not title:
        raise _invalid("title", _("Give the reply a title."), "required")
    if not body:
        raise _invalid("body", _("Write the reply's text."), "required")
    if len(body) > BODY_MAX_LENGTH:
        raise _invalid("body", _("A reply may have at most %(max)d characters.") % {"max": BODY_MAX_LENGTH})
    unknown = sorted({name for name in re.findall(_VARIABLE_NAMES, body) if name not in VARIABLES})
    if unknown:
        raise _invalid(
            "body",
            _("Unknown variable: %(names)s. The variables are: %(known)s.")
            % {"names": ", ".join(unknown), "known": ", ".join(VARIABLES)},
            "unknown_variable",
        )
    if purpose not in CannedReply.Purpose.values:
        raise _invalid("purpose", _("Unknown purpose."))
    return {
        "title": title,
        "body": body,
        "shortcut": normalize_text(shortcut).lstrip("/")[:40],
        "purpose": purpose,
        "language": (language or "fa")[:8],
    }


def _save(reply: CannedReply) -> None:
    try:
        with transaction.atomic():
            reply.save()
    except IntegrityError:
        raise _invalid("title", _("Another canned reply has this title."), "duplicate") from None


@transaction.atomic
def canned_reply_create(
    *,
    acting: Membership,
    title: str,
    body: str,
    shortcut: str = "",
    purpose: str = CannedReply.Purpose.GENERAL,
    language: str = "fa",
) -> CannedReply:
    _require(acting)
    values = _clean(title=title, body=body, shortcut=shortcut, purpose=purpose, language=language)
    reply = CannedReply(workspace_id=acting.workspace_id, created_by=acting, **values)
    _save(reply)
    audit_record(
        workspace=acting.workspace,
        actor=acting.user,
        action=A.CREATE,
        obj=reply,
        after=snapshot(reply, FIELDS),
    )
    return reply


@transaction.atomic
def canned_reply_update(
    *,
    acting: Membership,
    reply: CannedReply,
    title: str,
    body: str,
    shortcut: str = "",
    purpose: str = CannedReply.Purpose.GENERAL,
    language: str = "fa",
) -> CannedReply:
    _require(acting)
    if reply.workspace_id != acting.workspace_id:
        raise PermissionDenied
    values = _clean(title=title, body=body, shortcut=shortcut, purpose=purpose, language=language)
    before = snapshot(reply, FIELDS)
    for name, value in values.items():
        setattr(reply, name, value)
    _save(reply)
    after = snapshot(reply, FIELDS)
    if before != after:
        audit_record(
            workspace=acting.workspace,
            actor=acting.user,
            action=A.UPDATE,
            obj=reply,
            before=before,
            after=after,
        )
    return reply


@transaction.atomic
def canned_reply_delete(*, acting: Membership, reply: CannedReply) -> None:
    """Delete a template; messages sent with it keep their text (their link to it is cleared)."""
    _require(acting)
    if reply.workspace_id != acting.workspace_id:
        raise PermissionDenied
    audit_record(
        workspace=acting.workspace,
        actor=acting.user,
        action=A.DELETE,
        obj=reply,
        before=snapshot(reply, FIELDS),
    )
    reply.delete()


P = CannedReply.Purpose
# The seeded library (Persian): apologies that own the mistake, follow-ups that close the loop.
SEED: tuple[tuple[str, str, str, str], ...] = (
    (
        "پوزش بابت تأخیر در پاسخ",
        "تاخیر",
        P.APOLOGY,
        "{{ first_name }} عزیز، سلام.\n"
        "بابت دیر پاسخ دادن به شما صمیمانه عذرخواهی می‌کنیم؛ حق شما بود که زودتر جواب بگیرید. "
        "درخواست شما با شماره {{ number }} ثبت شده و همین حالا من شخصاً پیگیرش هستم.\n"
        "با احترام، {{ agent_name }}",
    ),
    (
        "پوزش بابت تأخیر در ارسال سفارش",
        "تاخیر-ارسال",
        P.APOLOGY,
        "{{ first_name }} عزیز، سلام.\n"
        "متأسفیم که سفارش {{ order }} دیرتر از زمانی که قول داده بودیم به دستتان می‌رسد. "
        "این کوتاهی از طرف ما بوده است. وضعیت ارسال را بررسی کردیم و تا پایان امروز ({{ today }}) "
        "زمان دقیق رسیدن بسته را به شما خبر می‌دهیم.\n"
        "با پوزش دوباره، {{ agent_name }}",
    ),
    (
        "پوزش: اشتباه از ما بود",
        "اشتباه",
        P.APOLOGY,
        "{{ customer_name }} گرامی، سلام.\n"
        "حق با شماست و اشتباه از طرف ما بوده است. مسئولیتش را می‌پذیریم و بابت زحمتی که برایتان پیش آمد "
        "عذرخواهی می‌کنیم. برای جبران، همین حالا کار را درست می‌کنیم و نتیجه را در همین گفتگو "
        "(شماره {{ number }}) به شما اطلاع می‌دهیم.\n"
        "با احترام، {{ agent_name }}",
    ),
    (
        "پوزش بابت کالای آسیب‌دیده",
        "آسیب",
        P.APOLOGY,
        "{{ first_name }} عزیز، سلام.\n"
        "از اینکه کالا آسیب‌دیده به دستتان رسیده بسیار متأسفیم. لطفاً اگر ممکن است یک عکس از کالا و "
        "بسته‌بندی برایمان بفرستید تا بدون هیچ هزینه‌ای برای شما، تعویض یا بازپرداخت را انجام دهیم.\n"
        "با احترام، {{ agent_name }}",
    ),
    (
        "پیگیری: آیا مشکل حل شد؟",
        "پیگیری",
        P.FOLLOW_UP,
        "{{ first_name }} عزیز، سلام.\n"
        "خواستیم بپرسیم آیا مشکل درخواست شماره {{ number }} به‌طور کامل برطرف شده است؟ "
        "اگر هنوز چیزی درست نیست، کافی است به همین پیام پاسخ دهید تا دوباره پیگیری کنیم.\n"
        "با سپاس، {{ agent_name }}",
    ),
    (
        "پیگیری: منتظر پاسخ شما هستیم",
        "منتظر",
        P.FOLLOW_UP,
        "{{ first_name }} عزیز، سلام.\n"
        "برای ادامه‌ی پیگیری درخواست شماره {{ number }} به پاسخ شما نیاز داریم. "
        "هر وقت فرصت کردید، همین‌جا برایمان بنویسید؛ درخواست شما باز می‌ماند.\n"
        "با احترام، {{ agent_name }}",
    ),
    (
        "پیگیری: خبر تازه درباره‌ی سفارش",
        "خبر-سفارش",
        P.FOLLOW_UP,
        "{{ first_name }} عزیز، سلام.\n"
        "طبق قولی که داده بودیم، امروز {{ today }} وضعیت سفارش {{ order }} را پیگیری کردیم و خبر تازه را "
        "در ادامه می‌نویسیم:\n\n"
        "اگر سؤالی دارید، در خدمتیم.\n"
        "{{ agent_name }}",
    ),
    (
        "درخواست شما رسید",
        "رسید",
        P.GENERAL,
        "{{ first_name }} عزیز، سلام.\n"
        "پیام شما رسید و با شماره {{ number }} ثبت شد. در اولین فرصت، و در ساعات کاری حتماً همین امروز، "
        "پاسخ می‌دهیم.\n"
        "{{ agent_name }}",
    ),
    (
        "درخواست شما حل شد",
        "حل-شد",
        P.RESOLVED,
        "{{ first_name }} عزیز، سلام.\n"
        "درخواست شما با شماره {{ number }} حل شد. اگر هنوز چیزی درست نیست، کافی است به همین پیام پاسخ دهید "
        "تا دوباره پیگیری کنیم. از صبر شما سپاسگزاریم.",
    ),
)


@transaction.atomic
def canned_replies_seed(workspace: Workspace) -> int:
    """Add the Persian starter library to a workspace; templates it already has (by title) are kept as
    they are, so it can run on every set-up and demo load. Returns how many were added."""
    existing = set(CannedReply.objects.filter(workspace=workspace).values_list("title", flat=True))
    new = [
        CannedReply(
            workspace=workspace, title=title, shortcut=shortcut, purpose=purpose, language="fa", body=body
        )
        for title, shortcut, purpose, body in SEED
        if title not in existing
    ]
    CannedReply.objects.bulk_create(new)
    return len(new)
