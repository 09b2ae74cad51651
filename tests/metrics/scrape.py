"""Read /metrics as a user of Prometheus would: parsed, sample by sample."""

from prometheus_client.parser import text_string_to_metric_families

METRICS_TOKEN = "metrics-test-token-0123456789abcdef"


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def scrape(client=None) -> str:
    """Always with a client of its own: the caller's may carry an API token."""
    from django.test import Client

    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}")
    assert response.status_code == 200, response.content
    return response.content.decode()


def moved(before: dict, after: dict) -> dict[tuple[str, tuple], float]:
    """The counters and histogram counts that changed, by how much."""
    return {
        key: after[key] - before.get(key, 0.0)
        for key in after
        if key[0].startswith("tokenserver_")
        and key[0].endswith(("_total", "_count"))
        and after[key] != before.get(key, 0.0)
    }
