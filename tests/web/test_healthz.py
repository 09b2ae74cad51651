"""GET /healthz for load balancers and probes (tokens/web/views.py healthz,
answered by tokens/middleware.py HealthCheckMiddleware before host
validation). With the database down: tests/cross/test_faults.py; without
the cache: tests/limits/test_cache_failure.py; over plain HTTP behind the
HTTPS redirect: tests/test_production.py."""

from django.test import Client


def test_healthz_answers_ok_without_authentication(db):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_healthz_answers_head_for_probes_and_405_json_to_other_methods(db):
    client = Client()
    assert client.head("/healthz").status_code == 200
    response = client.post("/healthz")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert response["Allow"] == "GET, HEAD"
