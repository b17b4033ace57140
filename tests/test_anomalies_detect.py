"""detect_anomalies on SQLite and PostgreSQL: a connection's volume drop against its same-weekday median, an error
rate jump against its own baseline, stale node stock and overdue partner acknowledgments, each with its figures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from hub.errors import ConfigError
from hub.kpis import AlertKind, AlertSettings, Severity, detect_anomalies, load_alert_settings
from hub.partners.profile import PartnerProfile
from hub.partners.store import save_profile
from hub.testing.databases import postgres_database, sqlite_database
from tests.conftest import require_postgres
from tests.test_kpis_compute import connection, envelope, inbox_rows, node, outbox_row

T = "t1"
NOW = datetime(2026, 3, 25, 12, 0, tzinfo=UTC)  # a Wednesday, noon
WEEK = timedelta(days=7)


def wednesday(weeks_back: int, hour: int) -> datetime:
    return NOW.replace(hour=hour) - weeks_back * WEEK


def seed(engine: Engine, tenant: str = T) -> None:
    with engine.begin() as conn:
        # c_vol: 30, 25, 40, 5 messages by noon on the last four Wednesdays (median 27.5); 10 today
        connection(conn, tenant, "c_vol", "shop")
        for weeks_back, count in ((1, 30), (2, 25), (3, 40), (4, 5)):
            inbox_rows(conn, tenant, "c_vol", wednesday(weeks_back, 9), count)
        inbox_rows(conn, tenant, "c_vol", wednesday(1, 15), 50)  # after noon: not part of the window
        inbox_rows(conn, tenant, "c_vol", wednesday(5, 9), 500)  # five weeks back: outside the history
        inbox_rows(conn, tenant, "c_vol", wednesday(0, 8), 10)
        inbox_rows(conn, tenant, "c_vol", wednesday(0, 13), 40)  # later today: the future, not counted
        # c_quiet: 20 by noon each Wednesday, 15 today: above half the median
        connection(conn, tenant, "c_quiet", "shop")
        for weeks_back in range(1, 5):
            inbox_rows(conn, tenant, "c_quiet", wednesday(weeks_back, 9), 20)
        inbox_rows(conn, tenant, "c_quiet", wednesday(0, 9), 15)
        # c_small: usual 5, nothing today: below the minimum volume, not judged
        connection(conn, tenant, "c_small", "shop")
        for weeks_back in range(1, 5):
            inbox_rows(conn, tenant, "c_small", wednesday(weeks_back, 9), 5)
        # c_off: a drop to zero, but the connection is stopped
        connection(conn, tenant, "c_off", "shop", enabled=False)
        for weeks_back in range(1, 5):
            inbox_rows(conn, tenant, "c_off", wednesday(weeks_back, 9), 50)
        # c_err: 2 of 100 failed on a Friday in the last 28 days; 5 of 20 today
        connection(conn, tenant, "c_err", "edi")
        friday = datetime(2026, 3, 20, 10, tzinfo=UTC)
        inbox_rows(conn, tenant, "c_err", friday, 98)
        inbox_rows(conn, tenant, "c_err", friday, 2, status="failed")
        inbox_rows(conn, tenant, "c_err", NOW - timedelta(hours=2), 15)
        inbox_rows(conn, tenant, "c_err", NOW - timedelta(hours=2), 5, status="failed")
        # c_noisy: usually 10% failures; 3 of 20 today is within its noise
        connection(conn, tenant, "c_noisy", "edi")
        inbox_rows(conn, tenant, "c_noisy", friday, 90)
        inbox_rows(conn, tenant, "c_noisy", friday, 10, status="failed")
        inbox_rows(conn, tenant, "c_noisy", NOW - timedelta(hours=1), 17)
        inbox_rows(conn, tenant, "c_noisy", NOW - timedelta(hours=1), 3, status="failed")
        # nodes
        node(conn, tenant, "N_fresh", stock_as_of=NOW - timedelta(minutes=30))
        node(conn, tenant, "N_old", stock_as_of=NOW - timedelta(minutes=3000))
        node(conn, tenant, "N_never")
        node(
            conn, tenant, "N_hourly", stock_as_of=NOW - timedelta(minutes=90), attributes={"stock_interval_minutes": 60}
        )
        node(conn, tenant, "N_off", enabled=0)
        # acknowledgments: ACME (X12, 997 by default), EUPART (EDIFACT, no CONTRL agreed), EUC (EDIFACT, CONTRL)
        save_profile(conn, tenant, PartnerProfile(name="ACME", x12="ZZ:ACME"))
        save_profile(conn, tenant, PartnerProfile(name="EUPART", edifact="5412345000013"))
        save_profile(conn, tenant, PartnerProfile(name="EUC", edifact="5412345000020", ack="contrl"))
        save_profile(conn, tenant, PartnerProfile(name="QUIET", x12="ZZ:QUIET", ack="none"))
        connection(conn, tenant, "c_x12", "edi:acme", partner="ACME")
        sends = [
            ("x12:ACME", NOW - timedelta(minutes=2000), "delivered", None),  # overdue
            ("x12:ACME", NOW - timedelta(minutes=1600), "delivered", None),  # overdue
            ("x12:ACME", NOW - timedelta(minutes=100), "delivered", None),  # within the window
            ("x12:ACME", NOW - timedelta(minutes=3000), "delivered", "accepted"),  # acknowledged
            ("x12:ACME", NOW - timedelta(days=20), "delivered", None),  # before the look-back
            ("x12:ACME", NOW - timedelta(minutes=3000), "dead", None),  # never reached the partner
            ("edifact:EUPART", NOW - timedelta(minutes=5000), "delivered", None),
            ("edifact:EUC", NOW - timedelta(minutes=5000), "delivered", None),
            ("x12:QUIET", NOW - timedelta(minutes=5000), "delivered", None),
        ]
        for value, (scope, when, status, ack) in enumerate(sends, start=1):
            oid = outbox_row(conn, tenant, "c_x12", when, status=status, kind="order_ack", delivered=when)
            envelope(conn, tenant, scope, value, oid, "order_ack", when, ack)
        ack = outbox_row(conn, tenant, "c_x12", NOW - timedelta(minutes=5000), kind="ack")  # the hub's own 997
        envelope(conn, tenant, "x12:ACME", 99, ack, "ack", NOW - timedelta(minutes=5000), None)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    if request.param == "sqlite":
        with sqlite_database(tmp_path_factory.mktemp("alerts")) as eng:
            seed(eng)
            yield eng
    else:
        require_postgres()
        with postgres_database() as (eng, _schema):
            seed(eng)
            yield eng


def alerts(engine: Engine, now: datetime = NOW, tenant: str = T, settings: AlertSettings | None = None):
    with engine.connect() as conn:
        return {a.key: a for a in detect_anomalies(conn, tenant, now, settings=settings)}


def test_volume_drop_against_same_weekday_median(seeded: Engine) -> None:
    found = alerts(seeded)
    drop = found["volume_drop:c_vol"]
    assert drop.severity == Severity.WARNING
    assert drop.figures == {"today": 10, "history": [30, 25, 40, 5], "median": 27.5, "threshold": 13.75}
    assert "median of 27.5" in drop.summary and "Wednesdays" in drop.summary
    assert drop.since == datetime(2026, 3, 25, tzinfo=UTC)
    for quiet in ("c_quiet", "c_small", "c_off", "c_err", "c_noisy", "c_x12"):
        assert f"volume_drop:{quiet}" not in found


def test_volume_silence_is_critical(seeded: Engine) -> None:
    """Early on the same day only a few messages are usual: the threshold scales with the time of day."""
    early = alerts(seeded, now=NOW.replace(hour=8, minute=30))
    assert "volume_drop:c_vol" not in early  # the Wednesdays had nothing before 08:30 either
    settings = AlertSettings(volume_min=5)
    small = alerts(seeded, settings=settings)["volume_drop:c_small"]
    assert small.severity == Severity.CRITICAL and small.figures["today"] == 0


def test_error_rate_jump_against_own_baseline(seeded: Engine) -> None:
    found = alerts(seeded)
    jump = found["error_rate:c_err"]
    assert jump.figures["failed"] == 5 and jump.figures["today"] == 20
    assert jump.figures["rate"] == 0.25 and jump.figures["baseline_rate"] == 0.02
    assert jump.figures["threshold"] == round(0.02 + 3 * (0.02 * 0.98 / 20) ** 0.5, 4)
    assert "5 of 20" in jump.summary
    assert "error_rate:c_noisy" not in found  # 15% against its usual 10% at 20 messages is noise
    strict = alerts(seeded, settings=AlertSettings(error_sigmas=0.5, error_min_jump=0.01))
    assert "error_rate:c_noisy" in strict
    lenient = alerts(seeded, settings=AlertSettings(error_min_failures=6))
    assert "error_rate:c_err" not in lenient


def test_stale_stock_per_node_interval(seeded: Engine) -> None:
    found = alerts(seeded)
    stale = {k: a for k, a in found.items() if a.kind == AlertKind.STOCK_STALE}
    assert set(stale) == {"stock_stale:N_old", "stock_stale:N_never", "stock_stale:N_hourly"}
    assert stale["stock_stale:N_old"].severity == Severity.CRITICAL  # more than twice the interval
    assert stale["stock_stale:N_old"].figures["age_minutes"] == 3000
    assert stale["stock_stale:N_hourly"].figures == {
        "age_minutes": 90,
        "interval_minutes": 60,
        "stock_as_of": (NOW - timedelta(minutes=90)).isoformat(),
    }
    assert stale["stock_stale:N_hourly"].severity == Severity.WARNING
    tighter = alerts(seeded, settings=AlertSettings(node_stock_intervals={"N_fresh": 20, "N_hourly": 120}))
    assert "stock_stale:N_fresh" in tighter and "stock_stale:N_hourly" not in tighter


def test_overdue_acknowledgments(seeded: Engine) -> None:
    found = alerts(seeded)
    overdue = {k: a for k, a in found.items() if a.kind == AlertKind.ACK_OVERDUE}
    assert set(overdue) == {"ack_overdue:ACME", "ack_overdue:EUC"}
    acme = overdue["ack_overdue:ACME"]
    assert acme.figures == {"scope": "x12:ACME", "overdue": 2, "oldest_age_minutes": 2000, "window_minutes": 1440}
    assert "997/999" in acme.summary
    assert overdue["ack_overdue:EUC"].severity == Severity.CRITICAL  # 5000 min is over twice the window
    wider = alerts(seeded, settings=AlertSettings(partner_ack_windows={"ACME": 1800}))
    assert wider["ack_overdue:ACME"].figures["overdue"] == 1


def test_other_tenant_sees_nothing(seeded: Engine) -> None:
    assert alerts(seeded, tenant="t2") == {}


def test_alert_settings_file(tmp_path: Path) -> None:
    assert load_alert_settings(tmp_path) == AlertSettings()
    (tmp_path / "alerts.yaml").write_text("volume_min: 50\nvolume_drop_ratio: 0.3\nnode_stock_intervals: {N1: 15}\n")
    settings = load_alert_settings(tmp_path)
    assert (settings.volume_min, settings.volume_drop_ratio, settings.stock_interval("N1")) == (50, 0.3, 15)
    (tmp_path / "alerts.yaml").write_text("volume_minimum: 50\n")
    with pytest.raises(ConfigError, match="volume_minimum"):
        load_alert_settings(tmp_path)
