"""schemathesis hooks for scripts/api_fuzz.sh.

The OpenAPI document states every rule a JSON Schema can state. Some it
cannot: a page cursor is valid only as the `next` of an earlier page (it is
opaque); a report period is at most 3660 days and does not end before it
starts; a skills recompute takes `window_days` or `start`, not both (rules
between two fields, stated in the schemas' descriptions); a worklog list's
`date_to` is not before its `date_from`; a position's or an education entry's
`end_date` is not before its `start_date`; a profile holds at most 100
positions and education entries (a quota, which a long run reaches); a pinned
resume item cannot be hidden (the stored choice and the patch together decide);
an import names each entry once (an `id`, or a date's place among its entries).

An import with `?format=` reads its body as that file (Markdown, jrnl, CSV,
JSON Lines); a JSON body generated for the entries schema is rarely a valid
such file, and what the file parsers say about it is not a schema rule. Those
400s are dropped too.

One more is schemathesis' own: in a case that also carries a generated session
cookie it sometimes sends a body that is not a JSON object to an operation whose
body schema is an object, and still labels the case valid. The server's 400 is
right; such findings are dropped too. A 400 for exactly those is the server
being right, so those "schema-valid request rejected" findings are dropped here,
by the server's own message; every other finding fails the run.
"""

import json

import schemathesis

ACCEPTED_400_MESSAGES = (
    "cursor: invalid cursor",
    "a report covers at most",
    "is after end",
    "give either window_days or start",
    "is before date_from",
    "is before start_date",
    "a profile holds at most",
    "unpin it first",
    "the same entry as",
    # A schedule's cron and time zone are checked by their grammar and the
    # time zone database, which a JSON Schema cannot state; a random user id
    # names no user.
    "cron: ",
    "cron minute:",
    "cron hour:",
    "cron day_of_month:",
    "cron month:",
    "cron day_of_week:",
    "is not an IANA time zone",
    "time_zone: given twice",
    "user_id: no user",
)


@schemathesis.hook
def filter_failure(context, failure, case, response):
    # 413 rejects a body over AFTERRESUME_MAX_BODY_BYTES; schemathesis' list of
    # rejecting statuses lacks it and calls such a rejection "accepted".
    if response is not None and response.status_code == 413:
        return False
    if response is None or response.status_code != 400:
        return True
    try:
        message = json.loads(response.content).get("message", "")
    except (ValueError, AttributeError):
        return True
    if any(accepted in message for accepted in ACCEPTED_400_MESSAGES):
        return False
    if case.path == "/api/worklogs/import/" and (case.query or {}).get("format"):
        return False
    mislabelled = (
        message.startswith("body: invalid type:")
        and case.body is not None
        and not isinstance(case.body, dict)
    )
    return not mislabelled
