"""The certificates a provider uploads: content-checked PDF/JPEG/PNG, stored outside static/."""
from __future__ import annotations

import io
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError
from sqlmodel import Session

from app.common.base import utcnow
from app.common.errors import ValidationError
from app.providers.models import Provider, ProviderDocument

DOCUMENT_KINDS = ("f_skatt", "registration", "insurance", "credit_check")
MAX_SIZE = 5 * 1024 * 1024
_TYPES = {"pdf": ("application/pdf", ".pdf"), "jpeg": ("image/jpeg", ".jpg"),
          "png": ("image/png", ".png")}
_EXTENSIONS = {".pdf": "pdf", ".jpg": "jpeg", ".jpeg": "jpeg", ".png": "png"}


@dataclass(frozen=True)
class Upload:
    """A file as it came in, before it is checked."""

    kind: str
    filename: str
    data: bytes
    expires_on: date | None


def sniff(data: bytes) -> str | None:
    """The real type from the content: 'pdf', 'jpeg', 'png' or None; images must also decode."""
    if data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]:
        return "pdf"
    kind = "png" if data.startswith(b"\x89PNG\r\n\x1a\n") else \
        "jpeg" if data.startswith(b"\xff\xd8\xff") else None
    if kind is None:
        return None
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
            if (img.format or "").lower() != kind:
                return None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
    return kind


def clean_filename(name: str | None) -> str:
    """The last part of an uploaded file's name without control characters (a NUL byte can't be
    stored in PostgreSQL nor sent back in a header), at most 200 characters."""
    text = "".join(ch for ch in (name or "") if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))
    return Path(text.replace("\\", "/")).name.strip()[:200]


def check_upload(upload: Upload, field: str) -> str:
    """Return the checked type or raise ValidationError naming `field`."""
    if upload.kind not in DOCUMENT_KINDS:
        raise ValidationError(field, _l("okänd dokumenttyp"))
    if not upload.data:
        raise ValidationError(field, _l("filen är tom"))
    if len(upload.data) > MAX_SIZE:
        raise ValidationError(field, _l("filen är större än %(size)s MB", size=MAX_SIZE // (1024 * 1024)))
    ext = Path(clean_filename(upload.filename)).suffix.lower()
    if ext not in _EXTENSIONS:
        raise ValidationError(field, _l("bara PDF, JPEG och PNG tas emot"))
    kind = sniff(upload.data)
    if kind is None or kind != _EXTENSIONS[ext]:
        raise ValidationError(field, _l("filens innehåll är inte en giltig PDF, JPEG eller PNG"))
    return kind


def check_document(upload: Upload, field: str, today: date) -> str:
    """The checked type of a certificate that is still valid, or ValidationError naming the field.

    An expired certificate (an F-skattebevis valid until 2020) is refused when it is uploaded.
    """
    kind = check_upload(upload, field)
    if upload.expires_on is None:
        raise ValidationError(f"{field}.expires_on", _l("ange till vilket datum dokumentet gäller"))
    if upload.expires_on < today:
        raise ValidationError(f"{field}.expires_on", _l("dokumentet gick ut %(date)s; bifoga ett som gäller",
                                                         date=upload.expires_on.isoformat()))
    return kind


def store_document(session: Session, provider: Provider, upload: Upload, upload_dir: str,
                   field: str = "documents", today: date | None = None) -> ProviderDocument:
    """Check, write under upload_dir/providers/<id>/ with a random name, and record the document."""
    kind = check_document(upload, field, today or utcnow().date())
    content_type, ext = _TYPES[kind]
    stored_name = secrets.token_hex(16) + ext
    folder = Path(upload_dir) / "providers" / str(provider.id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / stored_name).write_bytes(upload.data)
    safe_name = clean_filename(upload.filename)
    doc = ProviderDocument(provider_id=provider.id, kind=upload.kind, filename=safe_name,
                           stored_name=stored_name, content_type=content_type,
                           size=len(upload.data), expires_on=upload.expires_on)
    session.add(doc)
    session.flush()
    return doc


def document_path(doc: ProviderDocument, upload_dir: str) -> Path:
    return Path(upload_dir) / "providers" / str(doc.provider_id) / doc.stored_name
