"""The settlement operations other areas call, in one place.

The work is done in loading.py (the rules' inputs from the database), fast.py (the engine),
storing.py (drafts in bulk), workflow.py (run, approve, close, adjustments) and export.py;
this module keeps the names other areas and tests import.
"""
from __future__ import annotations

from app.settlement.export import export_period, line_record, stored_line_records
from app.settlement.loading import Loaded, bonus_rule_terms, level_rate_terms, load_inputs
from app.settlement.workflow import (
    SETTLEMENT_LOCK_KEY,
    ApproveResult,
    CloseResult,
    RunResult,
    SettledState,
    adjustment_periods,
    approve_period,
    approved_lines_for,
    check_period,
    close_period,
    compute_period,
    first_data_period,
    lock_settlements,
    next_numbers,
    run_period,
    settled_state,
)

__all__ = [
    "SETTLEMENT_LOCK_KEY", "ApproveResult", "CloseResult", "Loaded", "RunResult", "SettledState",
    "adjustment_periods", "approve_period", "approved_lines_for", "bonus_rule_terms",
    "check_period", "close_period", "compute_period", "export_period", "first_data_period",
    "level_rate_terms", "line_record", "load_inputs", "lock_settlements", "next_numbers",
    "run_period", "settled_state", "stored_line_records",
]
