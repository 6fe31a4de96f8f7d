"""Peppol BIS Billing 3.0 (UBL 2.1) for one approved settlement.

Providers with a self-billing agreement get a self-billing invoice (389) or credit note (261)
under the Peppol self-billing specification; the others get a standard invoice (380) or
credit note (381) that carries the settlement number as buyer reference, which the
provider's own invoice must quote. A credit note states its amounts as positive figures;
an invoice may have negative lines. Item prices are never negative: a negative line has a
negative quantity instead (BR-27).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from lxml import etree

from app.settlement.documents.data import DocumentLine, Party, SettlementDocument, VatGroup

Element = Any  # an lxml element; lxml ships no type stubs

NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

BILLING = ("urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
           "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0")
SELF_BILLING = ("urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:selfbilling:3.0",
                "urn:fdc:peppol.eu:2017:poacc:selfbilling:01:1.0")
# (invoice, credit note) type codes of UNTDID 1001 for each specification.
TYPE_CODES = {False: ("380", "381"), True: ("389", "261")}
SWEDISH_ORG_NR_SCHEME = "0007"
F_SKATT = "Godkänd för F-skatt"
CURRENCY = "SEK"


def has_peppol(doc: SettlementDocument) -> bool:
    """The own unit's settlements are internal: the municipality sends no invoice to itself."""
    return not doc.internal


def build_peppol(doc: SettlementDocument) -> bytes:
    """The UBL document of an approved settlement, UTF-8 with an XML declaration."""
    if not has_peppol(doc):
        raise ValueError(f"settlement {doc.settlement_id}: the own unit's settlement is internal, "
                         "with no Peppol document")
    if doc.status != "approved" or not doc.number:
        raise ValueError(f"settlement {doc.settlement_id}: only approved settlements become Peppol documents")
    credit = doc.credit_note
    sign = Decimal(-1) if credit else Decimal(1)  # a credit note states the credited amounts positively
    root_ns = NS_CREDIT_NOTE if credit else NS_INVOICE
    root = etree.Element(f"{{{root_ns}}}{'CreditNote' if credit else 'Invoice'}",
                         nsmap={None: root_ns, "cac": CAC, "cbc": CBC})
    customization, profile = SELF_BILLING if doc.self_billing else BILLING
    _cbc(root, "CustomizationID", customization)
    _cbc(root, "ProfileID", profile)
    _cbc(root, "ID", doc.number)
    _cbc(root, "IssueDate", doc.issue_date.isoformat())
    if not credit:
        _cbc(root, "DueDate", doc.due_date.isoformat())
    _cbc(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode",
         TYPE_CODES[doc.self_billing][1 if credit else 0])
    _cbc(root, "Note", _note(doc))
    _cbc(root, "DocumentCurrencyCode", CURRENCY)
    _cbc(root, "BuyerReference", doc.number)
    period = _cac(root, "InvoicePeriod")
    _cbc(period, "StartDate", doc.period_start.isoformat())
    _cbc(period, "EndDate", doc.period_end.isoformat())
    for corrected in doc.corrected_numbers:
        _cbc(_cac(_cac(root, "BillingReference"), "InvoiceDocumentReference"), "ID", corrected)

    _seller(_cac(root, "AccountingSupplierParty"), doc)
    _buyer(_cac(root, "AccountingCustomerParty"), doc)
    if not credit:
        _payment_means(root, doc)
        _cbc(_cac(root, "PaymentTerms"), "Note", f"{doc.payment_days} dagar netto")

    groups = doc.vat_groups
    tax_total = _cac(root, "TaxTotal")
    _amount(tax_total, "TaxAmount", sign * doc.total_vat)
    for group in groups:
        _tax_subtotal(tax_total, group, sign, doc)
    totals = _cac(root, "LegalMonetaryTotal")
    _amount(totals, "LineExtensionAmount", sign * doc.total_excl_vat)
    _amount(totals, "TaxExclusiveAmount", sign * doc.total_excl_vat)
    _amount(totals, "TaxInclusiveAmount", sign * doc.total_incl_vat)
    _amount(totals, "PayableAmount", sign * doc.total_incl_vat)

    for number, line in enumerate(doc.lines, start=1):
        _line(root, number, line, sign, credit)
    xml: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return xml


def _note(doc: SettlementDocument) -> str:
    what = "Kreditnota" if doc.credit_note else "Avräkning"
    if doc.self_billing:
        text = f"Självfakturering. {what} {doc.number} för {doc.period}."
    else:
        invoice = "kreditfaktura" if doc.credit_note else "faktura"
        text = (f"{what} {doc.number} för {doc.period}. Ange {doc.number} som referens "
                f"på er {invoice} till {doc.buyer.name}.")
    if doc.corrected_numbers:
        text += " Korrigerar " + ", ".join(doc.corrected_numbers) + "."
    return text


def _seller(parent: Element, doc: SettlementDocument) -> None:
    seller = doc.seller
    party = _cac(parent, "Party")
    _cbc(party, "EndpointID", seller.org_digits, schemeID=SWEDISH_ORG_NR_SCHEME)
    _cbc(_cac(party, "PartyName"), "Name", seller.name)
    _address(party, seller)
    if seller.vat_number:
        _tax_scheme(party, _compact(seller.vat_number), "VAT")
    if seller.f_skatt:
        _tax_scheme(party, F_SKATT, "TAX")
    legal = _cac(party, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", seller.name)
    _cbc(legal, "CompanyID", seller.org_digits, schemeID=SWEDISH_ORG_NR_SCHEME)
    if seller.email:
        _cbc(_cac(party, "Contact"), "ElectronicMail", seller.email)


def _buyer(parent: Element, doc: SettlementDocument) -> None:
    buyer = doc.buyer
    party = _cac(parent, "Party")
    _cbc(party, "EndpointID", buyer.org_digits, schemeID=SWEDISH_ORG_NR_SCHEME)
    _cbc(_cac(party, "PartyName"), "Name", buyer.name)
    _address(party, buyer)
    if buyer.vat_number:
        _tax_scheme(party, _compact(buyer.vat_number), "VAT")
    legal = _cac(party, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", buyer.name)
    _cbc(legal, "CompanyID", buyer.org_digits, schemeID=SWEDISH_ORG_NR_SCHEME)


def _address(party: Element, who: Party) -> None:
    address = _cac(party, "PostalAddress")
    _cbc(address, "StreetName", who.address)
    _cbc(address, "CityName", who.city)
    _cbc(address, "PostalZone", who.postal_code)
    _cbc(_cac(address, "Country"), "IdentificationCode", "SE")


def _tax_scheme(party: Element, company_id: str, scheme: str) -> None:
    tax = _cac(party, "PartyTaxScheme")
    _cbc(tax, "CompanyID", company_id)
    _cbc(_cac(tax, "TaxScheme"), "ID", scheme)


def _payment_means(root: Element, doc: SettlementDocument) -> None:
    """Bankgiro or plusgiro as the Swedish rules (SE-R-007..011) want them: code 30, digits only."""
    seller = doc.seller
    giro = [("SE:BANKGIRO", seller.bankgiro), ("SE:PLUSGIRO", seller.plusgiro)]
    for branch, number in giro:
        digits = "".join(ch for ch in number if ch.isdigit())
        if not digits:
            continue
        means = _cac(root, "PaymentMeans")
        _cbc(means, "PaymentMeansCode", "30", name="Credit transfer")
        _cbc(means, "PaymentID", doc.number)
        account = _cac(means, "PayeeFinancialAccount")
        _cbc(account, "ID", digits)
        _cbc(account, "Name", seller.name)
        _cbc(_cac(account, "FinancialInstitutionBranch"), "ID", branch)
        return


def _tax_subtotal(parent: Element, group: VatGroup, sign: Decimal, doc: SettlementDocument) -> None:
    subtotal = _cac(parent, "TaxSubtotal")
    _amount(subtotal, "TaxableAmount", sign * group.taxable)
    _amount(subtotal, "TaxAmount", sign * group.vat)
    _tax_category(subtotal, "TaxCategory", group.rate, doc)


def _tax_category(parent: Element, name: str, rate: int, doc: SettlementDocument | None) -> None:
    category = _cac(parent, name)
    _cbc(category, "ID", "E" if rate == 0 else "S")
    _cbc(category, "Percent", str(rate))
    if rate == 0 and doc is not None:
        _cbc(category, "TaxExemptionReasonCode", doc.exemption_reason_code)
        _cbc(category, "TaxExemptionReason", doc.exemption_reason or "Undantagen från skatteplikt")
    _cbc(_cac(category, "TaxScheme"), "ID", "VAT")


def _line(root: Element, number: int, line: DocumentLine, sign: Decimal, credit: bool) -> None:
    amount = sign * line.amount
    quantity = sign * line.quantity
    price = line.unit_price
    if price < 0:
        quantity, price = -quantity, -price
    element = _cac(root, "CreditNoteLine" if credit else "InvoiceLine")
    _cbc(element, "ID", str(number))
    _cbc(element, "CreditedQuantity" if credit else "InvoicedQuantity", _decimal(quantity),
         unitCode=line.unit_code)
    _amount(element, "LineExtensionAmount", amount)
    item = _cac(element, "Item")
    _cbc(item, "Description", line.explanation)
    _cbc(item, "Name", line.title)
    _cbc(_cac(item, "SellersItemIdentification"), "ID", line.service_type)
    _tax_category(item, "ClassifiedTaxCategory", line.vat_rate, None)
    _amount(_cac(element, "Price"), "PriceAmount", price)


def _cac(parent: Element, name: str) -> Element:
    return etree.SubElement(parent, f"{{{CAC}}}{name}")


def _cbc(parent: Element, tag: str, text: str | None, **attrs: str) -> Element | None:
    """A basic element; empty values are left out (Peppol forbids empty elements, R008)."""
    if text is None or str(text).strip() == "":
        return None
    element = etree.SubElement(parent, f"{{{CBC}}}{tag}", attrs)
    element.text = str(text).strip()
    return element


def _amount(parent: Element, name: str, value: Decimal) -> None:
    element = etree.SubElement(parent, f"{{{CBC}}}{name}", currencyID=CURRENCY)
    element.text = _decimal(value)


def _decimal(value: Decimal) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")) + 0)  # + 0 turns -0.00 into 0.00


def _compact(vat_number: str) -> str:
    return "".join(ch for ch in vat_number.upper() if ch.isalnum())
