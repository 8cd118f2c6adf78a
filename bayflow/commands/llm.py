"""`bayflow llm eval`: run the golden set through the configured providers (or, with no
API key, through the canned-job planner) and print valid, repair, fallback and review
rates, tokens, cost and latency."""
import dataclasses
import json
from pathlib import Path

from bayflow.cli import CommandError
from bayflow.config import settings
from bayflow.paths import SEEDS


def register(subparsers) -> None:
    llm = subparsers.add_parser("llm", help="LLM gateway tools")
    actions = llm.add_subparsers(dest="action", required=True, metavar="ACTION")
    ev = actions.add_parser("eval", help="evaluate the gateway on the golden set")
    ev.add_argument("--golden", type=Path, default=SEEDS / "golden",
                    help="golden set directory (shop.json + cases/*.json)")
    ev.add_argument("--provider", choices=("configured", "anthropic", "openai", "none"), default="configured",
                    help="restrict to one provider; none: the canned-job planner and rules (default: all configured)")
    ev.add_argument("--limit", type=int, default=None, help="evaluate only the first N cases")
    ev.add_argument("--json", action="store_true", help="print the summary as JSON")
    ev.set_defaults(func=run_eval)


def run_eval(args) -> int:
    from gateway.config import GatewayConfig
    from gateway.evaluation import evaluate, load_golden

    if not (args.golden / "shop.json").is_file() or not (args.golden / "cases").is_dir():
        raise CommandError(f"--golden {args.golden}: expected shop.json and a cases/ directory there")
    config = GatewayConfig.from_settings(settings())
    if args.provider == "none":
        config = dataclasses.replace(config, anthropic_api_key=None, openai_api_key=None)
    elif args.provider != "configured":
        other = "openai_api_key" if args.provider == "anthropic" else "anthropic_api_key"
        config = dataclasses.replace(config, **{other: None})
        if not getattr(config, f"{args.provider}_api_key"):
            raise CommandError(f"--provider {args.provider}: {args.provider.upper()}_API_KEY is not set")
    shop, cases = load_golden(args.golden)
    if not cases:
        raise CommandError(f"--golden {args.golden}: no cases in {args.golden / 'cases'}")
    summary = evaluate(cases[: args.limit], shop, config).summary()
    if args.json:
        print(json.dumps(summary, indent=1))
        return 0
    providers = [p for p in ("anthropic", "openai") if getattr(config, f"{p}_api_key")]
    print(f"golden set: {summary['cases']} cases from {args.golden}")
    print(f"mode: {summary['mode']}" + (f" ({', '.join(providers)}; models {config.anthropic_model}, "
                                       f"{config.openai_model})" if providers else " (canned jobs + rules)"))
    for key in ("enrich_valid_rate", "plan_valid_rate", "needs_review_rate", "repair_rate", "fallback_rate",
                "agrees_with_expected_rate", "expected_skills_rate"):
        print(f"  {key:<28}{summary[key]:.1%}")
    print(f"  {'calls':<28}{summary['calls']} {summary['call_outcomes']}")
    print(f"  {'tokens in / out':<28}{summary['tokens_in']} / {summary['tokens_out']}")
    print(f"  {'cost':<28}${summary['cost_usd']}")
    print(f"  {'latency per case p50 / p95':<28}{summary['latency_ms_p50']} / {summary['latency_ms_p95']} ms")
    if summary["disagreements"]:
        print(f"  differs from expected: {', '.join(summary['disagreements'])}")
    return 0
