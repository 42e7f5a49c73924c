"""Privacy, by job: access and audit (`pii_access`), retention (`retention`), erasure
(`erasure`) and the search index's personal-data switch (`search_index`). This module
re-exports them so `from dmdesk.actions import privacy` keeps working."""

from __future__ import annotations

from dmdesk.actions.erasure import (
    ANONYMOUS_KEYS,
    ERASED_BODY,
    ErasureReport,
    checkpoint_after_erasure,
    do_erase_contact,
)
from dmdesk.actions.pii_access import (
    do_audit,
    do_audit_search,
    do_reveal_message,
    do_set_pii_grant,
    has_pii_grant,
    user_sees_pii,
)
from dmdesk.actions.retention import (
    RetentionReport,
    do_run_due_retention,
    do_run_retention,
    do_set_retention,
)
from dmdesk.actions.search_index import (
    do_set_index_personal_data,
    index_holds_personal_data,
    purge_index_remnants,
)

__all__ = [
    "ANONYMOUS_KEYS",
    "ERASED_BODY",
    "ErasureReport",
    "RetentionReport",
    "checkpoint_after_erasure",
    "do_audit",
    "do_audit_search",
    "do_erase_contact",
    "do_reveal_message",
    "do_run_due_retention",
    "do_run_retention",
    "do_set_index_personal_data",
    "do_set_pii_grant",
    "do_set_retention",
    "has_pii_grant",
    "index_holds_personal_data",
    "purge_index_remnants",
    "user_sees_pii",
]
