"""`python -m bot eligibility financing|order --json '{...}'`: print the decision as JSON."""

from __future__ import annotations

import json
import sys

from pydantic import ValidationError

from bot.eligibility.models import CHECK_INPUTS, field_errors, field_reference


def fields_help() -> str:
    """The input fields of both checks and their allowed values (README has the same table)."""
    lines = ["Fields (JSON keys) and allowed values; numbers are strict (true is not 1, \"12\" is not 12):"]
    for check, name, allowed, meaning in field_reference():
        lines.append(f"  {check:<9} {name:<32} {allowed}\n  {'':<9} {'':<32} {meaning}")
    return "\n".join(lines)


def add_eligibility_parser(sub) -> None:
    import argparse

    parser = sub.add_parser("eligibility", help="financing pre-check or order-protection check",
                            description="Check facts against the published criteria in knowledge/eligibility.toml.",
                            epilog=fields_help(), formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("check", choices=sorted(CHECK_INPUTS))
    parser.add_argument("--json", required=True, metavar="JSON", help="the facts, as a JSON object")
    parser.add_argument("--text", action="store_true", help="print a readable report instead of JSON")
    parser.set_defaults(func=cmd_eligibility)


def cmd_eligibility(args, settings) -> int:
    from bot.cli import open_assistant

    try:
        facts = json.loads(args.json)
        if not isinstance(facts, dict):
            raise ValueError("the facts must be a JSON object")
        data = CHECK_INPUTS[args.check].model_validate(facts)
    except ValidationError as exc:
        print(json.dumps({"error": "invalid input", "fields": field_errors(exc)}, indent=2), file=sys.stderr)
        return 2
    except RecursionError:  # the parser gives up on very deep nesting; it is still bad JSON to the user
        print(json.dumps({"error": "invalid JSON: nested too deeply; the facts must be a flat JSON object"}), file=sys.stderr)
        return 2
    except ValueError as exc:
        print(json.dumps({"error": f"invalid JSON: {exc}"}), file=sys.stderr)
        return 2
    assistant = open_assistant(settings, announce=lambda *a: print(*a, file=sys.stderr))
    try:
        checker = assistant.eligibility_checker()
        if checker is None:
            print("No eligibility rules are in force: add knowledge/eligibility.toml and re-ingest.", file=sys.stderr)
            return 3
        decision = checker.check_financing(data) if args.check == "financing" else checker.check_order(data)
    finally:
        assistant.close()
    if args.text:
        from bot.eligibility.formatting import format_decision

        print(format_decision(decision))
    else:
        print(decision.model_dump_json(indent=2))
    return 0
