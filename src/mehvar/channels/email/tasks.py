"""Background work of the e-mail channel: polling IMAP mailboxes (imported by mehvar.channels.tasks, which
the scheduler discovers)."""

import datetime as dt

from django_tasks import task

from mehvar.channels.email import polling
from mehvar.ops.schedule import periodic


@periodic(every=dt.timedelta(minutes=1))
@task()
def email_poll_task() -> dict[str, int | str]:
    return polling.email_poll_all()
