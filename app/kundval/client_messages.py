"""The services' messages a client can meet, as sentences worded for the client's pages.

Services raise ValidationError with a lazy message (a Swedish msgid translated when it is shown);
for the ones a client meets, the client reads the sentence here, found by the message's msgid.
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.common.errors import ValidationError, msgid_of
from app.common.forms import sentence
from app.kundval import choice

CLIENT_ERRORS = {
    "tjänsten går inte att välja för det här beslutet": _l("Tjänsten går inte att välja för det här beslutet."),
    "anordnaren kan inte ta emot deltagare just nu": _l("Anordnaren kan inte ta emot deltagare just nu."),
    msgid_of(choice.NO_PLACE): _l("Platsen är tyvärr redan tagen. Välj en annan tjänst."),
    "beslutet gäller inte längre": _l("Beslutet gäller inte längre."),
    "du har redan en plats för det här beslutet": _l("Du har redan en plats för det här beslutet."),
    "beslutet har redan haft en placering": _l("Beslutet har redan haft en placering."),
    "det finns ingen pågående placering att byta från": _l("Det finns ingen pågående placering att byta från."),
    "du är redan hos den här tjänsten": _l("Du är redan hos den här tjänsten."),
    "du har redan bytt en gång. Prata med din handläggare om du vill byta igen":
        _l("Du har redan bytt en gång. Prata med din handläggare om du vill byta igen."),
    "den nya placeringen måste börja efter att den nuvarande började":
        _l("Den nya placeringen måste börja efter att den nuvarande började."),
    "startdatum är efter att beslutet slutar gälla": _l("Startdatum är efter att beslutet slutar gälla."),
    "anordnaren har inte rapporterat att du var där den dagen":
        _l("Anordnaren har inte rapporterat att du var där den dagen."),
    "du har redan sagt att du inte var där den dagen": _l("Du har redan sagt att du inte var där den dagen."),
}


def client_error(error: ValidationError | Any) -> str:
    """The error's sentence for the client in the page language, else its message as a sentence."""
    message = error._message if isinstance(error, ValidationError) else error
    known = CLIENT_ERRORS.get(msgid_of(message).strip())
    return str(known) if known is not None else sentence(str(message))
