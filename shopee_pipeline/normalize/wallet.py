"""Wallet transactions: Shopee's TransactionType codes and names, and the sign of an amount.

`get_wallet_transaction_list` may send `transaction_type` as a name (`ESCROW_VERIFIED_ADD`) or as its
numeric code (101), and whether a deduction's `amount` is negative is unconfirmed. The warehouse stores
the name (an unknown code or name as received) and a signed amount: a type whose direction Shopee
documents gets that sign whatever the answer's sign; an unknown type follows `money_flow` (`MONEY_OUT`
negative) when sent, else keeps the answer's sign.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from shopee_pipeline.normalize import convert

# code -> (name, direction): +1 credits the wallet, -1 debits it. WITHDRAWAL_COMPLETED moves no balance (the
# withdrawal was debited when created) but is money out: it is stored negative like the withdrawal.
TRANSACTION_TYPES: dict[int, tuple[str, int]] = {
    101: ("ESCROW_VERIFIED_ADD", 1),
    102: ("ESCROW_VERIFIED_MINUS", -1),
    201: ("WITHDRAWAL_CREATED", -1),
    202: ("WITHDRAWAL_COMPLETED", -1),
    203: ("WITHDRAWAL_CANCELLED", 1),
    301: ("REFUND_VERIFIED_ADD", 1),
    302: ("AUTO_REFUND_ADD", 1),
    401: ("ADJUSTMENT_ADD", 1),
    402: ("ADJUSTMENT_MINUS", -1),
    404: ("FBS_ADJUSTMENT_ADD", 1),
    405: ("FBS_ADJUSTMENT_MINUS", -1),
    406: ("ADJUSTMENT_CENTER_ADD", 1),
    407: ("ADJUSTMENT_CENTER_DEDUCT", -1),
    408: ("FSF_COST_PASSING_DEDUCT", -1),
    409: ("PERCEPTION_VAT_TAX_DEDUCT", -1),
    410: ("PERCEPTION_TURNOVER_TAX_DEDUCT", -1),
    411: ("ADJUSTMENT_FOR_RR_AFTER_ESCROW_VERIFIED", -1),
    412: ("AFFILIATE_COMMISSION_FEE_ADD", 1),
    413: ("CROSS_MERCHANT_ADJUSTMENT_ADD", 1),
    414: ("CROSS_MERCHANT_ADJUSTMENT_DEDUCT", -1),
    415: ("SELLER_COMPENSATE_ADD", 1),
    416: ("CAMPAIGN_PACKAGE_ADD", 1),
    417: ("CAMPAIGN_PACKAGE_MINUS", -1),
    450: ("PAID_ADS_CHARGE", -1),
    451: ("PAID_ADS_REFUND", 1),
    452: ("FAST_ESCROW_DISBURSE", 1),
    455: ("AFFILIATE_ADS_SELLER_FEE", -1),
    456: ("AFFILIATE_ADS_SELLER_FEE_REFUND", 1),
    458: ("FAST_ESCROW_DEDUCT", -1),
    459: ("FAST_ESCROW_DISBURSE_REMAIN", 1),
    460: ("AFFILIATE_FEE_DEDUCT", -1),
    501: ("SHOPEE_WALLET_PAY", -1),
    502: ("SPM_DEDUCT", -1),
    503: ("APM_DEDUCT", -1),
    504: ("SPM_REFUND_ADD", 1),
    505: ("APM_REFUND_ADD", 1),
    701: ("DP_REFUND_VERIFIED_ADD", 1),
    801: ("SPM_DEDUCT_DIRECT", -1),
    802: ("SPM_DISBURSE_ADD", 1),
}
DIRECTION_BY_NAME = {name: direction for name, direction in TRANSACTION_TYPES.values()}
# The same deduction under the Data Definition's name.
DIRECTION_BY_NAME["ESCROW_ADJUSTMENT_FOR_FD_DEDUCT"] = -1


def transaction_type(value: Any) -> str | None:
    """A `transaction_type` as its name: a known numeric code (int or digits) becomes its name, anything
    else is kept as text."""
    text = convert.to_text(value)
    if text is not None and text.isdigit() and int(text) in TRANSACTION_TYPES:
        return TRANSACTION_TYPES[int(text)][0]
    return text


def signed_amount(transaction: Any) -> Decimal | None:
    """The transaction's `amount`, signed by its direction (module docstring); `transaction` is the whole
    API object."""
    if not isinstance(transaction, Mapping):
        return None
    amount = convert.to_decimal(transaction.get("amount"))
    if amount is None:
        return None
    direction = DIRECTION_BY_NAME.get(transaction_type(transaction.get("transaction_type")) or "")
    if direction is None:
        flow = convert.to_text(transaction.get("money_flow"))
        direction = {"MONEY_OUT": -1, "MONEY_IN": 1}.get(flow or "")
    if direction is None:
        return amount
    return abs(amount) if direction > 0 else -abs(amount)
