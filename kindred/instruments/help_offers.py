"""Help offers shown after a self-test, read from the JSON file named by the HELP_OFFERS_FILE setting.

A stop-gap until Kindred has a help directory: the file lists offers (name, what in each language, phone, web
address, country, topics and instruments) and which topics each instrument is about.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from django.conf import settings
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kindred.instruments.schema import Key, Text
from kindred.orgs.models import Organisation

logger = logging.getLogger(__name__)

# The country whose offers come first for each language; English lists both in file order.
_COUNTRY_OF_LANGUAGE = {"nb": "NO", "da": "DK"}


class Offer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    what: Text
    phone: str = Field("", pattern=r"^[0-9 +]{0,20}$")
    # Only web addresses: the value becomes a link, so nothing like javascript: may pass.
    web: str = Field("", pattern=r"^(https?://\S+)?$")
    country: Literal["NO", "DK"]
    topics: list[Key] = []
    instruments: list[Key] = []


class OfferFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = ""
    instrument_topics: dict[Key, list[Key]] = {}
    offers: list[Offer] = []


@dataclass(frozen=True)
class HelpOffer:
    """One offer as shown: texts in the active language."""

    name: str
    what: str
    phone: str
    phone_uri: str
    web: str
    country: str
    country_label: str


class HelpOffersError(Exception):
    """The help offers file is missing or broken; the message says where."""


_cache: dict[tuple[str, float], OfferFile] = {}


def load_help_offers(path: str | Path | None = None) -> OfferFile:
    """The validated file (cached until it changes); HelpOffersError names the problem."""
    path = Path(path or settings.HELP_OFFERS_FILE)
    try:
        key = (str(path), path.stat().st_mtime)
        if key not in _cache:
            _cache.clear()
            _cache[key] = OfferFile.model_validate(json.loads(path.read_text(encoding="utf-8")))
        return _cache[key]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise HelpOffersError(f"{path}: {error}") from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise HelpOffersError(f"{path}: {where}: {first['msg']}") from None


def offers_for(instrument_key: str, language: str) -> list[HelpOffer]:
    """Offers about the instrument's topics (or naming it), those of the language's country first.

    A broken file must not break the self-test result: the problem is logged and no offers are shown."""
    try:
        data = load_help_offers()
    except HelpOffersError:
        logger.exception("Help offers cannot be shown")
        return []
    topics = set(data.instrument_topics.get(instrument_key, []))
    chosen = [o for o in data.offers if instrument_key in o.instruments or topics & set(o.topics)]
    home = _COUNTRY_OF_LANGUAGE.get(language[:2])
    chosen.sort(key=lambda o: o.country != home)
    return [
        HelpOffer(
            name=o.name,
            what=o.what.get(language),
            phone=o.phone,
            phone_uri=("tel:" + re.sub(r"[^0-9+]", "", o.phone)) if o.phone else "",
            web=o.web,
            country=o.country,
            country_label=str(Organisation.Country(o.country).label),
        )
        for o in chosen
    ]
