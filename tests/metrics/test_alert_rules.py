"""deploy/prometheus: the rules parse and name only metrics we export.

promtool is not installed here; this is the check we can make without it.
"""

import re

import yaml
from prometheus_client import REGISTRY

import tokens.metrics.counters  # noqa: F401
from tests.helpers import ROOT

RULES = ROOT / "deploy" / "prometheus"


def exported() -> set[str]:
    return {
        sample_name
        for family in REGISTRY.collect()
        for sample_name in (
            family.name,
            f"{family.name}_total",
            f"{family.name}_bucket",
        )
    }


def test_every_alert_rule_parses_and_uses_exported_metrics_only():
    groups = yaml.safe_load((RULES / "alerts.yml").read_text())["groups"]
    rules = [rule for group in groups for rule in group["rules"]]

    assert {r["alert"] for r in rules} >= {
        "TokenserverRefusalRateHigh",
        "TokenserverEvictionLagHigh",
        "TokenserverTwilioRestErrors",
        "TokenserverNotReady",
    }
    names = exported()
    for rule in rules:
        assert rule["expr"].count("(") == rule["expr"].count(")"), rule["alert"]
        for used in re.findall(r"tokenserver_\w+", rule["expr"]):
            assert used in names, (rule["alert"], used)


def test_the_scrape_config_parses_and_sends_a_bearer_token():
    config = yaml.safe_load((RULES / "scrape.yml").read_text())
    job = config["scrape_configs"][0]

    assert job["metrics_path"] == "/metrics"
    assert job["authorization"]["type"] == "Bearer"
