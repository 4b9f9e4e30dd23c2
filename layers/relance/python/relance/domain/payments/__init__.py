"""Who pays when: payment history, bad-payer score, payment-date prediction, cash-in
forecast, DSO and payment-terms compliance (V6, V7, V8, B2, B3). Pure: no I/O, no clock."""

from relance.domain.payments.dso import dso, dso_count_back, dso_history, dso_simple
from relance.domain.payments.forecast import CashForecast, Period, cash_forecast
from relance.domain.payments.history import (
    OpenItem,
    SettledInvoice,
    open_items,
    settled_invoices,
)
from relance.domain.payments.predict import PaymentModel, Prediction, predict_open
from relance.domain.payments.score import (
    FollowUpCounts,
    Score,
    followup_counts,
    grade_for,
    score_customer,
)
from relance.domain.payments.terms import TermsBreach, breaches, legal_cap

__all__ = [
    "CashForecast",
    "FollowUpCounts",
    "OpenItem",
    "PaymentModel",
    "Period",
    "Prediction",
    "Score",
    "SettledInvoice",
    "TermsBreach",
    "breaches",
    "cash_forecast",
    "dso",
    "dso_count_back",
    "dso_history",
    "dso_simple",
    "followup_counts",
    "grade_for",
    "legal_cap",
    "open_items",
    "predict_open",
    "score_customer",
    "settled_invoices",
]
