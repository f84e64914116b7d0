"""The intraday alert end to end: ``carrybot run`` replaying 5 Aug 2024 sped up, against local
fakes of Twelve Data and Kraken (the real MT5 hourly USD/JPY and Binance 5-minute klines of
``shared/data/raw/intraday``), the fake Telegram Bot API and the fake Discord.

A fresh data folder holds the bundled seed's daily history up to 2 Aug 2024 (the close before
the unwind), a Telegram group and a Discord channel with alerts on. ``carrybot run`` (a real
process, real python-telegram-bot and discord.py) polls with a fake key; the figures are the
alert latency from the end of the bar whose close made the fall reach 2% to each post (real
seconds, and minutes of replayed time), whether the post came before 07:00 UTC, whether a
restart posts it again, and the Twelve Data requests of each replayed UTC day.

Run: python benchmarks/bench_intraday_latency.py [--speed 60] [--start 2024-08-05T02:00]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from analytics.ingest import seed  # noqa: E402
from analytics.ingest.intraday_store import IntradayStore  # noqa: E402
from analytics.ingest.store import ObservationStore  # noqa: E402
from analytics.storage.database import open_database  # noqa: E402
from commands.settings.model import Actor, ChatKey  # noqa: E402
from commands.settings.store import SettingsStore  # noqa: E402
from tests.support.delivery_fakes import ServerThread  # noqa: E402
from tests.support.fake_discord import FakeDiscord  # noqa: E402
from tests.support.fake_telegram import FakeBotAPI  # noqa: E402
from tests.support.http_server import LocalServer  # noqa: E402
from tests.support.intraday_replay import (  # noqa: E402
    FAKE_KEY,
    KrakenFake,
    TwelveDataFake,
    usdjpy_hourly,
)

GROUP = "-1001234567890"
DISCORD_TOKEN = "fake-discord-bench-token"
LAST_CLOSE = "2024-08-02"


class SpedClock:
    """The fakes' replay clock: it starts when carrybot first asks (so both clocks agree)."""

    def __init__(self, start: datetime, speed: float) -> None:
        self.start, self.speed = start, speed
        self.origin: float | None = None
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            if self.origin is None:
                self.origin = time.monotonic()
        return self.start + timedelta(seconds=(time.monotonic() - self.origin) * self.speed)

    def real(self, at: datetime) -> float:
        """The monotonic time at which the replay reaches ``at``."""
        assert self.origin is not None
        return self.origin + (at - self.start).total_seconds() / self.speed


def crossing_bar_end(start: datetime, threshold: float = 2.0) -> datetime:
    """The end of the first hourly bar after ``start`` whose close is ``threshold``% below the
    highest high of the six hours before it."""
    bars = usdjpy_hourly()
    for i in range(len(bars)):
        end = bars["start"].iloc[i] + pd.Timedelta(hours=1)
        if end <= pd.Timestamp(start):
            continue
        window = bars[(bars["start"] >= end - pd.Timedelta(hours=6)) & (bars["start"] < end)]
        if float(window["close"].iloc[-1]) / float(window["high"].max()) - 1 <= -threshold / 100:
            return end.to_pydatetime()
    raise SystemExit("no 2% fall in the replayed data")


def prepare(home: Path, url: str, channel: str, guild: str) -> None:
    """The daily history up to the last close before the unwind, and two alerting chats."""
    engine = open_database(url)
    store = ObservationStore(engine)
    obs = seed.read()
    obs = obs[obs["date"] <= pd.Timestamp(LAST_CLOSE)]
    store.insert_missing(obs.assign(source=seed.SEED_LABEL + "/" + obs["source"]))
    store.set_meta(seed.SEED_MARK, "bench: cut at " + LAST_CLOSE)
    settings = SettingsStore(engine)
    actor = Actor("1", "bench")
    settings.update(ChatKey("telegram", GROUP), {"alerts": True}, actor)
    settings.update(ChatKey("discord", guild, channel), {"alerts": True}, actor)
    engine.dispose()


def start_carrybot(env: dict[str, str], replay: datetime, speed: float) -> subprocess.Popen[str]:
    full = dict(env)
    full["CARRYBOT_INTRADAY_REPLAY"] = replay.strftime("%Y-%m-%dT%H:%M:%SZ")
    full["CARRYBOT_INTRADAY_SPEED"] = f"{speed:g}"
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--refresh-minutes", "600"],
        cwd=ROOT,
        env=full,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    return err


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", type=float, default=60.0, help="replayed seconds per second")
    parser.add_argument("--start", default="2024-08-05T02:00", help="replay start (UTC)")
    args = parser.parse_args()
    start = datetime.fromisoformat(args.start).replace(tzinfo=UTC)
    crossing = crossing_bar_end(start)
    clock = SpedClock(start, args.speed)
    with tempfile.TemporaryDirectory() as tmp, LocalServer() as prices:
        home = Path(tmp)
        url = f"sqlite:///{home / 'carrybot.sqlite3'}"
        twelve = TwelveDataFake(clock)  # type: ignore[arg-type]
        twelve.install(prices)
        KrakenFake(clock).install(prices)  # type: ignore[arg-type]
        telegram = FakeBotAPI()
        discord = FakeDiscord(token=DISCORD_TOKEN)
        channel = str(discord.guild.channels[0].id)
        with ServerThread(telegram) as tg, ServerThread(discord) as dc:
            tg.add_chat({"id": int(GROUP), "type": "supergroup", "title": "Carry desk"})
            prepare(home, url, channel, str(dc.guild.id))
            dead = "http://127.0.0.1:9"  # the daily sources: nothing answers (offline)
            env = {
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("TELEGRAM_", "DISCORD_", "CARRYBOT_", "TWELVEDATA_"))
            }
            env.update(
                PYTHONPATH=str(ROOT),
                CARRYBOT_HOME=str(home),
                CARRYBOT_DATABASE_URL=url,
                TELEGRAM_BOT_TOKEN=tg.token,
                TELEGRAM_API_BASE_URL=tg.base_url,
                DISCORD_BOT_TOKEN=DISCORD_TOKEN,
                DISCORD_API_BASE_URL=dc.api_base,
                TWELVEDATA_API_KEY=FAKE_KEY,
                CARRYBOT_INTRADAY_INTERVAL="1h",  # the resolution of the replayed file
                CARRYBOT_TWELVEDATA_URL=prices.url,
                CARRYBOT_KRAKEN_URL=prices.url,
                **{
                    f"CARRYBOT_{n}_URL": dead
                    for n in ("FRED", "MOF", "TREASURY", "ECB", "BOJ", "CFTC")
                },
            )
            process = start_carrybot(env, start, args.speed)
            posts: dict[str, float] = {}
            deadline = time.monotonic() + 300
            while len(posts) < 2 and time.monotonic() < deadline and process.poll() is None:
                if "telegram" not in posts and tg.sent(GROUP):
                    posts["telegram"] = time.monotonic()
                if "discord" not in posts and dc.calls_to("POST", f"/channels/{channel}/messages"):
                    posts["discord"] = time.monotonic()
                time.sleep(0.05)
            replay_at_post = clock.now()
            restart_at = clock.now()
            err = stop(process)
            if len(posts) < 2:
                print(err[-4000:])
                raise SystemExit(f"posted to {sorted(posts)} only")
            available = clock.real(crossing)
            print(f"replay from {start:%Y-%m-%d %H:%M} UTC at {args.speed:g}x; the bar ending "
                  f"{crossing:%H:%M} UTC made the fall reach 2%")  # fmt: skip
            for platform, at in sorted(posts.items()):
                replay_minutes = (at - available) * args.speed / 60
                posted = crossing + timedelta(minutes=replay_minutes)
                print(f"  {platform:<8} posted {at - available:6.2f} s after the bar "
                      f"({replay_minutes:5.1f} replayed min; {posted:%H:%M} UTC, "
                      f"{'before' if posted.hour < 7 else 'AFTER'} 07:00 UTC)")  # fmt: skip
            fetched = min(t for t, newest in twelve.served if newest >= crossing)
            for platform, at in sorted(posts.items()):
                print(f"  {platform:<8} posted {at - fetched:6.2f} s after the poll that "
                      "fetched that bar (store, alert step, queue, render, send)")  # fmt: skip
            text = tg.sent(GROUP)[0].params.get("text", "")
            print("  Telegram text:", text.splitlines()[0] if text else "(photo)")
            # A restart (the replay resumed where it was) must not post the episode again.
            process = start_carrybot(env, restart_at, args.speed)
            time.sleep(max(20.0, 3600 / args.speed))
            err = stop(process)
            again_tg = len(tg.sent(GROUP))
            again_dc = len(dc.calls_to("POST", f"/channels/{channel}/messages"))
            print(f"after a restart and one more replayed hour: Telegram {again_tg} post(s), "
                  f"Discord {again_dc} post(s) (1 each expected)")  # fmt: skip
            store = IntradayStore(open_database(url))
            for day, count in store.requests_by_day("twelvedata").items():
                print(f"  Twelve Data requests on {day} (UTC): {count} (free plan: 800)")
            print(f"  refused by the fake for exceeding 8/min or 800/day: {twelve.refused}")
            print(f"  replay clock when the posts were seen: {replay_at_post:%H:%M} UTC")


if __name__ == "__main__":
    main()
