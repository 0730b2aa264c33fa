# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Times as the modules read them from AWS (datetimes from botocore, ISO 8601 text from tags and options)
and write them in results: once, here."""

import datetime


def as_text(value):
    """A botocore datetime as ISO 8601 text, as it came (other values unchanged): what results show."""
    return value.isoformat() if hasattr(value, "isoformat") else value


def aware(value):
    """``value`` (a datetime, or ISO 8601 text) as an aware datetime, UTC when it names no zone; None for None.
    Raises ValueError for text that is not ISO 8601."""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    return value if value is None or value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)


def parse_time(value):
    """As :func:`aware`, but None for anything that is not a time (a tag someone edited by hand)."""
    try:
        return aware(value if isinstance(value, (str, datetime.datetime)) else None)
    except ValueError:
        return None


def iso(moment):
    """An aware datetime as UTC ISO 8601 text to the second (what the rotation records); None for None."""
    return moment.astimezone(datetime.timezone.utc).isoformat(timespec="seconds") if moment else None
