"""Settlement documents: the avräkning as PDF, Peppol BIS Billing 3.0 UBL and SIE 4I.

`data` loads plain records from the database in bulk; `pdf`, `peppol` and `sie` turn them
into bytes without touching the database or Flask. Import the builders from their modules
(pdf pulls in WeasyPrint, which is slow to load).
"""
from app.settlement.documents.data import (
    Correction,
    DocumentLine,
    DocumentSettings,
    Party,
    SettlementDocument,
    draft_org_numbers,
    load_documents,
    settings_from_config,
)

__all__ = ["Correction", "DocumentLine", "DocumentSettings", "Party", "SettlementDocument",
           "draft_org_numbers", "load_documents", "settings_from_config"]
