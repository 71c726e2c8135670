"""Eligibility pre-checks: trade-data financing and Trade Assurance order protection."""

from bot.eligibility.checker import EligibilityChecker, RulesEligibilityChecker
from bot.eligibility.models import FinancingDecision, FinancingInput, OrderDecision, OrderInput
from bot.eligibility.rules import Rules, RulesError, parse_rules

__all__ = [
    "EligibilityChecker", "RulesEligibilityChecker", "FinancingDecision", "FinancingInput",
    "OrderDecision", "OrderInput", "Rules", "RulesError", "parse_rules",
]
