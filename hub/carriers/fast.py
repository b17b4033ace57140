"""A precompiled, memoised carrier rater for the allocation hot loop: `choose_service`'s winner, exactly, fast."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import Any, NamedTuple

from hub.carriers.model import ANY_NODE, LEVELS, WEEKDAYS, RateCard, Service, ZoneRates
from hub.carriers.parcel import WEIGHT_QUANTUM, chargeable_kg
from hub.carriers.surcharges import Surcharges
from hub.carriers.zones import country_code, longest_prefix, normalize_postal_code, zone_for_code
from hub.model.currencies import MINOR_UNITS

ZERO = Decimal(0)
HUNDRED = Decimal(100)
PREFERENCES = ("cost", "speed")
_DIMENSIONS = ("longest_side", "length_plus_girth", "girth")


@dataclass(frozen=True, slots=True)
class FastQuote:
    """One viable service for one parcel: the total exactly as `choose_service` computes it, and transit days."""

    carrier: str
    service: str
    level: str
    total: Decimal
    currency: str
    transit_min: int
    transit_max: int


class CacheInfo(NamedTuple):
    hits: int
    misses: int
    size: int


class _Size(NamedTuple):
    longest: Decimal
    length_plus_girth: Decimal
    girth: Decimal
    volume: Decimal | None


def _quantizer(currency: str) -> Decimal:
    return Decimal(1).scaleb(-MINOR_UNITS[currency])


class _Table:
    """One zone's prices for one service, every band price already rounded to the currency."""

    __slots__ = ("base_q", "extra_price", "fuel_q", "last_price", "last_up_to", "limit", "transit", "up_to", "zone")

    def __init__(self, zone: str, rates: ZoneRates, transit: tuple[int, int], svc: _Service) -> None:
        self.zone = zone
        self.up_to = tuple(band.up_to_kg for band in rates.bands)
        self.base_q = tuple(svc.q(band.price) for band in rates.bands)
        self.fuel_q = tuple(svc.q(base * svc.fuel / HUNDRED) if svc.fuel else ZERO for base in self.base_q)
        self.last_up_to, self.last_price = rates.bands[-1].up_to_kg, rates.bands[-1].price
        self.extra_price = rates.extra_kg_price
        self.limit = rates.limit_kg
        self.transit = transit


class _Service:
    """One service compiled: limits, node schedules, per-zone tables, surcharges as rounded amounts."""

    __slots__ = (
        "carrier",
        "code",
        "currency",
        "divisor",
        "fixed_q",
        "fuel",
        "fuel_on_surcharges",
        "group",
        "index",
        "level",
        "level_rank",
        "max_longest",
        "max_lpg",
        "max_weight",
        "nodes",
        "oversize",
        "quantum",
        "rules",
        "step",
        "tables",
    )

    def __init__(self, index: int, carrier: str, svc: Service) -> None:
        self.index, self.carrier, self.code, self.level = index, carrier, svc.code, svc.level
        self.level_rank = LEVELS.index(svc.level)
        self.currency, self.quantum = svc.currency, _quantizer(svc.currency)
        self.divisor, self.step = svc.volumetric_divisor, svc.chargeable_weight_step_kg
        self.group = 0
        self.max_weight, self.max_longest, self.max_lpg = (
            svc.max_weight_kg,
            svc.max_longest_side_cm,
            svc.max_length_plus_girth_cm,
        )
        self.nodes = {node: frozenset(s.pickup_days) for node, s in svc.nodes.items()}
        rules = svc.surcharges
        self.rules: Surcharges = rules
        self.fuel, self.fuel_on_surcharges = rules.fuel_percent, rules.fuel_on_surcharges
        self.fixed_q = sum((self.q(item.amount) for item in rules.per_parcel), ZERO)
        self.oversize = {name: self._tiers(name) for name in _DIMENSIONS}
        self.tables = {
            zone: _Table(zone, rates, (svc.transit_days[zone].min, svc.transit_days[zone].max), self)
            for zone, rates in svc.rates.items()
        }

    def q(self, amount: Decimal) -> Decimal:
        """Rounded to the currency's minor unit, banker's rounding, as `Money.quantized` does."""
        return amount.quantize(self.quantum, rounding=ROUND_HALF_EVEN)

    def _tiers(self, dimension: str) -> tuple[tuple[Decimal, ...], tuple[Decimal, ...]]:
        """Ascending distinct thresholds and the rounded amount of the tier at each (first listed wins a tie)."""
        tiers: dict[Decimal, Decimal] = {}
        for rule in self.rules.oversize:
            if rule.dimension == dimension and rule.above_cm not in tiers:
                tiers[rule.above_cm] = self.q(rule.amount)
        above = tuple(sorted(tiers))
        return above, tuple(tiers[a] for a in above)

    def schedule(self, node: str) -> frozenset[str] | None:
        days = self.nodes.get(node)
        return days if days is not None else self.nodes.get(ANY_NODE)

    def oversize_q(self, size: _Size) -> Decimal:
        total = ZERO
        for name, value in (("longest_side", size.longest), ("length_plus_girth", size.length_plus_girth)):
            above, amounts = self.oversize[name]
            i = bisect_left(above, value)
            if i:
                total += amounts[i - 1]
        above, amounts = self.oversize["girth"]
        i = bisect_left(above, size.girth)
        return total + amounts[i - 1] if i else total

    def total(self, table: _Table, chargeable: Decimal, surcharges_q: Decimal) -> Decimal:
        """The quote total: rounded lines (base, surcharges, fuel) summed, mirroring `rating.quote`."""
        i = bisect_left(table.up_to, chargeable)
        if i < len(table.up_to):
            base_q = table.base_q[i]
            if not self.fuel:
                return self.q(base_q + surcharges_q)
            if not self.fuel_on_surcharges:
                return self.q(base_q + surcharges_q + table.fuel_q[i])
        else:
            assert table.extra_price is not None
            extra = (chargeable - table.last_up_to).to_integral_value(rounding=ROUND_CEILING)
            base_q = self.q(table.last_price + extra * table.extra_price)
            if not self.fuel:
                return self.q(base_q + surcharges_q)
        basis = base_q + surcharges_q if self.fuel_on_surcharges else base_q
        return self.q(base_q + surcharges_q + self.q(basis * self.fuel / HUNDRED))


class _Country:
    """Destination classes of one country: the longest matching prefix (zones and remote areas) -> class id."""

    __slots__ = ("by_prefix", "default", "lengths")

    def __init__(self, by_prefix: dict[str, int], default: int) -> None:
        self.by_prefix = by_prefix
        self.default = default
        self.lengths = tuple(sorted({len(p) for p in by_prefix}, reverse=True))

    def classify(self, code: str) -> int:
        if code:
            for length in self.lengths:
                found = self.by_prefix.get(code[:length])
                if found is not None:
                    return found
        return self.default


def _remote_of(svc: _Service, country: str, prefix: str | None) -> tuple[str, Decimal] | None:
    """The remote-area surcharge (code, rounded amount) for that prefix class, as `rating._surcharges` picks it."""
    best: tuple[int, str, Decimal] | None = None
    for area in svc.rules.remote_area:
        if area.country != country or not prefix:
            continue
        match = longest_prefix(prefix, area.postal_prefixes)
        if match is not None and (best is None or len(match) > best[0]):
            best = (len(match), area.code, svc.q(area.amount))
    return None if best is None else (best[1], best[2])


def _decimal(value: Any, name: str) -> Decimal:
    if type(value) is not Decimal:
        if isinstance(value, int) and not isinstance(value, bool):
            value = Decimal(value)
        elif not isinstance(value, Decimal):
            raise ValueError(f"{name} must be a Decimal or an int, not {type(value).__name__}")
    if not value.is_finite() or value <= 0:
        raise ValueError(f"{name} must be above 0, not {value}")
    return value


class FastRater:
    """Built once from rate cards; `best` / `all_options` give what `choose_service` gives for one parcel.

    Everything that does not depend on the call is precompiled: destination classes per country (the longest
    known postal prefix decides both zone and remote-area surcharge), band prices rounded to the currency,
    per-parcel and fuel-on-base amounts, service lists per (node, level, weekday). Results are memoised per
    (node, destination class, weight interval, size interval, level, prefer, weekday, exchange rates).
    """

    def __init__(self, cards: Iterable[RateCard], *, cache_size: int = 1_000_000) -> None:
        self._cards = tuple(cards)
        self._services: list[_Service] = []
        card_of: list[int] = []
        for c, card in enumerate(self._cards):
            for svc in card.services:
                self._services.append(_Service(len(self._services), card.carrier.code, svc))
                card_of.append(c)
        self._card_of = card_of
        self._currencies = tuple(sorted({s.currency for s in self._services}))
        self._divided = any(s.divisor is not None for s in self._services)
        self._compile_weights()
        self._compile_sizes()
        self._classes: dict[Hashable, int] = {}
        self._entries: list[tuple[tuple[_Table, Decimal] | None, ...]] = []
        self._countries = self._compile_countries()
        self._nowhere = self._intern(None, None)
        self._eligible: dict[tuple[str, str | None, int | None], tuple[_Service, ...]] = {}
        self._places: dict[tuple[str, str | None], int] = {}
        self._memo: dict[Hashable, tuple[FastQuote, ...]] = {}
        self._cache_size = cache_size
        self._hits = self._misses = 0

    # -- compilation ----------------------------------------------------------------------------------------------
    def _compile_weights(self) -> None:
        """Weight breakpoints: every outcome changes only where a weight crosses one of them (`w <= b`)."""
        points: set[Decimal] = set()
        unbounded: list[_Table] = []
        for svc in self._services:
            if svc.max_weight is not None:
                points.add(svc.max_weight)
            for table in svc.tables.values():
                points.update(table.up_to)
                if table.limit is None:
                    if table.extra_price is not None:
                        unbounded.append(table)
                    continue
                points.add(table.limit)
                points.update(self._extra_points(table, table.limit))
        top = max(points)
        for table in unbounded:
            points.update(self._extra_points(table, top))
        self._points = tuple(sorted(points))
        self._top = self._points[-1]
        self._unbounded = bool(unbounded)
        self._unbounded_tables = tuple(unbounded)
        self._steps = tuple(sorted({s.step for s in self._services if s.step is not None}))
        self._actual_points = tuple(sorted(self._stepped(points)))
        groups = sorted({(s.divisor, s.step) for s in self._services}, key=lambda g: (str(g[0]), str(g[1])))
        self._groups = tuple(groups)
        for svc in self._services:
            svc.group = groups.index((svc.divisor, svc.step))

    def _stepped(self, points: set[Decimal]) -> set[Decimal]:
        """`points` plus, per weight step s, floor(p / s) x s: a stepped weight w is charged at most p iff w <= that.

        Between two neighbours of the result, every service's outcome for an actual weight (no dimensions) is
        constant, so one bisection of the actual weight keys the memo.
        """
        found = set(points)
        for step in self._steps:
            stepped = ((p / step).to_integral_value(rounding=ROUND_FLOOR) * step for p in points)
            found.update(p for p in stepped if p > 0)
        return found

    @staticmethod
    def _extra_points(table: _Table, up_to: Decimal) -> list[Decimal]:
        """last band + k kg for every started kg up to `up_to`: where the extra-kg price steps up."""
        if table.extra_price is None:
            return []
        points, k = [], 1
        while table.last_up_to + k <= up_to:
            points.append(table.last_up_to + k)
            k += 1
        return points

    def _compile_sizes(self) -> None:
        found: dict[str, set[Decimal]] = {name: set() for name in _DIMENSIONS}
        for svc in self._services:
            if svc.max_longest is not None:
                found["longest_side"].add(svc.max_longest)
            if svc.max_lpg is not None:
                found["length_plus_girth"].add(svc.max_lpg)
            for name in _DIMENSIONS:
                found[name].update(svc.oversize[name][0])
        self._size_points = tuple(tuple(sorted(found[name])) for name in _DIMENSIONS)

    def _compile_countries(self) -> dict[str, _Country]:
        prefixes: dict[str, set[str]] = {}
        for card in self._cards:
            for rule in card.zones:
                prefixes.setdefault(rule.country, set()).update(rule.postal_prefixes)
        for svc in self._services:
            for area in svc.rules.remote_area:
                prefixes.setdefault(area.country, set()).update(area.postal_prefixes)
        return {
            country: _Country({p: self._intern(country, p) for p in known}, self._intern(country, None))
            for country, known in prefixes.items()
        }

    def _intern(self, country: str | None, prefix: str | None) -> int:
        """The class id of the destinations whose longest matching known prefix is `prefix` (or none)."""
        zones = tuple(zone_for_code(card.zones, country, prefix) if country else None for card in self._cards)
        remotes = tuple(_remote_of(s, country, prefix) if country else None for s in self._services)
        outcome = (zones, remotes)
        found = self._classes.get(outcome)
        if found is not None:
            return found
        entries = []
        for svc, remote in zip(self._services, remotes, strict=True):
            zone = zones[self._card_of[svc.index]]
            table = svc.tables.get(zone) if zone is not None else None
            entries.append(None if table is None else (table, svc.fixed_q + (remote[1] if remote else ZERO)))
        self._entries.append(tuple(entries))
        self._classes[outcome] = len(self._entries) - 1
        return len(self._entries) - 1

    # -- per call -------------------------------------------------------------------------------------------------
    def _place(self, country: str, postal_code: str | None) -> int:
        key = (country, postal_code)
        found = self._places.get(key)
        if found is None:
            cc = country_code(country)
            resolver = self._countries.get(cc)
            found = self._nowhere if resolver is None else resolver.classify(normalize_postal_code(cc, postal_code))
            if len(self._places) >= max(self._cache_size, 1):
                self._places.clear()
            self._places[key] = found
        return found

    def _services_for(self, node: str, level: str | None, weekday: int | None) -> tuple[_Service, ...]:
        key = (node, level, weekday)
        found = self._eligible.get(key)
        if found is None:
            if level is not None and level not in LEVELS:
                raise ValueError(f"unknown service level {level!r}; known: {', '.join(LEVELS)}")
            rank = LEVELS.index(level) if level is not None else 0
            day = WEEKDAYS[weekday] if weekday is not None else None
            found = tuple(
                s
                for s in self._services
                if s.level_rank >= rank and (days := s.schedule(node)) is not None and (day is None or day in days)
            )
            self._eligible[key] = found
        return found

    def _weight_key(self, weight: Decimal) -> int | tuple[str, Decimal]:
        if weight > self._top:
            return ("x", weight) if self._unbounded else len(self._points)
        return bisect_left(self._points, weight)

    def _chargeables(self, weight: Decimal, size: _Size | None) -> list[Decimal]:
        charged = []
        for divisor, step in self._groups:
            volumetric = None
            if divisor is not None and size is not None and size.volume is not None:
                volumetric = (size.volume / divisor).quantize(WEIGHT_QUANTUM, rounding=ROUND_CEILING)
            charged.append(chargeable_kg(weight, volumetric, step))
        return charged

    @staticmethod
    def _size(dims_cm: tuple[Any, Any, Any] | None, longest: Any, length_plus_girth: Any, volume: Any) -> _Size | None:
        if dims_cm is not None:
            if longest is not None or length_plus_girth is not None or volume is not None:
                raise ValueError("give dims_cm or longest_side_cm / length_plus_girth_cm / volume_cm3, not both")
            length, width, height = (_decimal(v, "dims_cm") for v in dims_cm)
            a, b, c = sorted((length, width, height), reverse=True)
            girth = 2 * (b + c)
            return _Size(a, a + girth, girth, length * width * height)
        if longest is None and length_plus_girth is None and volume is None:
            return None
        if longest is None or length_plus_girth is None:
            raise ValueError("longest_side_cm and length_plus_girth_cm go together")
        longest, length_plus_girth = _decimal(longest, "longest_side_cm"), _decimal(length_plus_girth, "lpg")
        volume = None if volume is None else _decimal(volume, "volume_cm3")
        return _Size(longest, length_plus_girth, length_plus_girth - longest, volume)

    def _ranked(
        self,
        node: str,
        country: str,
        postal_code: str | None,
        weight_kg: Any,
        level: str | None,
        prefer: str,
        size: _Size | None,
        ship_date: date | None,
        fx: Mapping[str, Decimal] | None,
    ) -> tuple[FastQuote, ...]:
        if prefer not in PREFERENCES:
            raise ValueError(f"prefer must be 'cost' or 'speed', not {prefer!r}")
        weight = _decimal(weight_kg, "weight_kg")
        if size is not None and size.volume is None and self._divided:
            raise ValueError("volumetric weight needs the volume: pass dims_cm or volume_cm3")
        place = self._place(country, postal_code)
        weekday = ship_date.weekday() if ship_date is not None else None
        charged: list[Decimal] | None = None
        sizes = None
        if size is None:
            if weight <= self._top:
                weights: Hashable = bisect_left(self._actual_points, weight)
            else:
                weights = ("x", weight) if self._unbounded else -1
        else:
            charged = self._chargeables(weight, size)
            weights = (self._weight_key(weight), *(self._weight_key(c) for c in charged))
            dims = (size.longest, size.length_plus_girth, size.girth)
            sizes = tuple(bisect_left(points, v) for points, v in zip(self._size_points, dims, strict=True))
        rates = None if fx is None else tuple(fx.get(c) for c in self._currencies)
        key = (node, place, level, prefer, weekday, rates, weights, sizes)
        found = self._memo.get(key)
        if found is not None:
            self._hits += 1
            return found
        self._misses += 1
        if charged is None:
            charged = self._chargeables(weight, size)
        found = self._rank(self._services_for(node, level, weekday), place, weight, charged, size, prefer, fx)
        if self._cache_size:
            if len(self._memo) >= self._cache_size:
                self._memo.clear()
            self._memo[key] = found
        return found

    def _rank(
        self,
        services: tuple[_Service, ...],
        place: int,
        weight: Decimal,
        charged: list[Decimal],
        size: _Size | None,
        prefer: str,
        fx: Mapping[str, Decimal] | None,
    ) -> tuple[FastQuote, ...]:
        entries = self._entries[place]
        keyed: list[tuple[tuple[Any, ...], FastQuote]] = []
        for svc in services:
            entry = entries[svc.index]
            if entry is None or (svc.max_weight is not None and weight > svc.max_weight):
                continue
            table, surcharges_q = entry
            if size is not None:
                if (svc.max_longest is not None and size.longest > svc.max_longest) or (
                    svc.max_lpg is not None and size.length_plus_girth > svc.max_lpg
                ):
                    continue
                surcharges_q += svc.oversize_q(size)
            chargeable = charged[svc.group]
            if table.limit is not None and chargeable > table.limit:
                continue
            total = svc.total(table, chargeable, surcharges_q)
            if fx is None:
                cost = total
            elif (rate := fx.get(svc.currency)) is None:
                continue
            else:
                cost = total * rate
            low, high = table.transit
            first = (cost, high, low) if prefer == "cost" else (high, low, cost)
            quote = FastQuote(svc.carrier, svc.code, svc.level, total, svc.currency, low, high)
            keyed.append(((*first, svc.carrier, svc.code), quote))
        if fx is None and len({q.currency for _, q in keyed}) > 1:
            currencies = sorted({q.currency for _, q in keyed})
            raise ValueError(f"candidates are priced in {currencies}: pass fx to compare them")
        keyed.sort(key=lambda item: item[0])
        return tuple(q for _, q in keyed)

    # -- public ---------------------------------------------------------------------------------------------------
    def best(
        self,
        node: str,
        country: str,
        postal_code: str | None,
        weight_kg: Decimal,
        *,
        level: str | None = None,
        prefer: str = "cost",
        dims_cm: tuple[Decimal, Decimal, Decimal] | None = None,
        longest_side_cm: Decimal | None = None,
        length_plus_girth_cm: Decimal | None = None,
        volume_cm3: Decimal | None = None,
        ship_date: date | None = None,
        fx: Mapping[str, Decimal] | None = None,
    ) -> FastQuote | None:
        """The service `choose_service` would choose for one parcel from `node`; None when none can take it.

        Dimensions: `dims_cm` (length, width, height), or `longest_side_cm` with `length_plus_girth_cm` and
        `volume_cm3` (the volume is required when a service has a volumetric divisor). Bad input: ValueError.
        """
        size = self._size(dims_cm, longest_side_cm, length_plus_girth_cm, volume_cm3)
        ranked = self._ranked(node, country, postal_code, weight_kg, level, prefer, size, ship_date, fx)
        return ranked[0] if ranked else None

    def all_options(
        self,
        node: str,
        country: str,
        postal_code: str | None,
        weight_kg: Decimal,
        *,
        level: str | None = None,
        prefer: str = "cost",
        dims_cm: tuple[Decimal, Decimal, Decimal] | None = None,
        longest_side_cm: Decimal | None = None,
        length_plus_girth_cm: Decimal | None = None,
        volume_cm3: Decimal | None = None,
        ship_date: date | None = None,
        fx: Mapping[str, Decimal] | None = None,
    ) -> list[FastQuote]:
        """Every viable service, ranked as `choose_service` ranks them (the first one is `best`)."""
        size = self._size(dims_cm, longest_side_cm, length_plus_girth_cm, volume_cm3)
        return list(self._ranked(node, country, postal_code, weight_kg, level, prefer, size, ship_date, fx))

    def step_costs(
        self,
        node: str,
        country: str,
        postal_code: str | None,
        *,
        level: str | None,
        max_weight_kg: Decimal,
        ship_date: date | None = None,
        fx: Mapping[str, Decimal] | None = None,
    ) -> list[tuple[Decimal, Decimal]]:
        """The cheapest cost as a step function of the actual weight (no dimensions), up to `max_weight_kg`.

        Breakpoints `(up_to_kg, cost)`, ascending: every weight in (previous up_to_kg, up_to_kg] costs `cost`
        with the cheapest viable service (cost = total, or total x fx rate when `fx` is given). The list ends
        at `max_weight_kg` or at the heaviest weight any service takes, whichever is lower; empty when none.
        """
        limit = _decimal(max_weight_kg, "max_weight_kg")
        points = {p for p in self._points if p <= limit}
        for table in self._unbounded_tables:
            points.update(self._extra_points(table, limit))
        points.add(limit)
        points = self._stepped(points)
        curve: list[tuple[Decimal, Decimal]] = []
        for point in sorted(points):
            won = self.best(node, country, postal_code, point, level=level, ship_date=ship_date, fx=fx)
            if won is None:
                break
            cost = won.total if fx is None else won.total * fx[won.currency]
            if curve and curve[-1][1] == cost:
                curve[-1] = (point, cost)
            else:
                curve.append((point, cost))
        return curve

    def cache_info(self) -> CacheInfo:
        """Memo hits and misses since the rater was built, and the entries it holds."""
        return CacheInfo(self._hits, self._misses, len(self._memo))

    def clear_cache(self) -> None:
        self._memo.clear()
        self._places.clear()
        self._hits = self._misses = 0
