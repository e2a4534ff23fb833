"""Numbers and sentences of the briefs, in Bahasa Indonesia (default) or English.

Every figure a sentence shows is formatted from the estimates-table row it is given (the brief
computes nothing); :func:`parse_numbers` reads the numbers back so tests can check each one
against the table.

Indonesian conventions (PUEBI/EYD, BPS publications): decimal comma and thousands dot
(``18,2%``, ``12.345``), ``Rp391.000``, ``IK 95%: 15,1–21,7`` (*interval kepercayaan*), month
names ``Agustus 2024``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd

from analysis.briefs import labels as labels_mod
from analysis.errors import RakorInputError

LANGS = labels_mod.LANGS
MINUS = "\u2212"  # typographic minus sign
DASH = "\u2013"  # en dash for ranges

MONTHS = labels_mod.MONTHS  # the one copy lives in analysis.briefs.labels
MONTHS_SHORT = labels_mod.MONTHS_SHORT
MISSING = {lang: labels_mod.pick(labels_mod.MISSING, lang) for lang in LANGS}  # tidak tersedia / not available


def _check_lang(lang: str) -> str:
    return labels_mod.check_lang(lang)


def _is_missing(x: Any) -> bool:
    if x is None:
        return True
    if x is pd.NA or x is pd.NaT:
        return True
    try:
        # NaN, and ±inf (a CV of a zero estimate): neither can be shown as a number
        return bool(x != x) or abs(float(x)) == float("inf")
    except (TypeError, ValueError):
        return False


def _round_half_up(x: float, decimals: int) -> Decimal:
    """Round like a person does (0.5 up, away from zero), from the shortest repr of ``x``."""
    try:
        d = Decimal(repr(float(x)))
    except (InvalidOperation, ValueError) as exc:  # pragma: no cover - guarded by callers
        raise RakorInputError(f"cannot format {x!r} as a number") from exc
    return d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def fmt_number(x: Any, decimals: int = 1, lang: str = "id", signed: bool = False) -> str:
    """Format a number with the language's decimal and thousands separators.

    Parameters
    ----------
    x
        The number; missing (None, NaN, pd.NA) gives ``"t.a."`` / ``"n/a"``.
    decimals
        Digits after the decimal separator (rounded half up).
    lang
        ``"id"`` (``1.234,5``) or ``"en"`` (``1,234.5``).
    signed
        Prefix ``+`` for positive values (a minus sign is always shown for negative ones).

    Returns
    -------
    str
    """
    _check_lang(lang)
    if _is_missing(x):
        return MISSING[lang]
    d = _round_half_up(x, decimals)
    if d == 0:
        d = abs(d)  # no "-0,0"
    dec, thousands = labels_mod.SEPARATORS[lang]
    text = f"{abs(d):,.{decimals}f}"  # en style: 1,234.5
    text = text.replace(",", "\x00").replace(".", dec).replace("\x00", thousands)
    if d < 0:
        text = MINUS + text
    elif signed and d > 0:
        text = "+" + text
    return text


def fmt_int(x: Any, lang: str = "id") -> str:
    """Whole number with thousands separators: ``fmt_int(12345, "id") == "12.345"``.

    Parameters
    ----------
    x
        The number (rounded half up); missing gives ``"t.a."`` / ``"n/a"``.
    lang
        ``"id"`` or ``"en"``.

    Returns
    -------
    str
    """
    return fmt_number(x, 0, lang)


def fmt_int_series(values: pd.Series, lang: str = "id") -> pd.Series:
    """Vectorised :func:`fmt_int` for a column of counts (missing stays missing).

    Parameters
    ----------
    values
        Numbers (or text that reads as numbers).
    lang
        ``"id"`` or ``"en"``.

    Returns
    -------
    pandas.Series
        Object strings, ``None`` where a value is missing.
    """
    _check_lang(lang)
    num = pd.to_numeric(values, errors="coerce")
    rounded = np.sign(num) * np.floor(num.abs() + 0.5)  # half up, away from zero
    text = rounded.abs().astype("Int64").astype("string")
    text = text.str.replace(r"\B(?=(\d{3})+$)", labels_mod.SEPARATORS[lang][1], regex=True)
    text = text.where(~(rounded < 0), MINUS + text)
    return text.astype("object").where(num.notna(), None)


def fmt_pct(p: Any, lang: str = "id", decimals: int = 1, signed: bool = False) -> str:
    """A proportion (0–1) as a percentage: ``fmt_pct(0.182, "id") == "18,2%"``.

    Parameters
    ----------
    p
        The proportion; missing gives ``"t.a."`` / ``"n/a"``.
    lang
        ``"id"`` or ``"en"``.
    decimals
        Digits after the decimal separator.
    signed
        Prefix ``+`` for positive values.

    Returns
    -------
    str
    """
    if _is_missing(p):
        return MISSING[_check_lang(lang)]
    return fmt_number(float(p) * 100, decimals, lang, signed=signed) + "%"


def fmt_ci(low: Any, high: Any, lang: str = "id", decimals: int = 1, level: int = 95,
           percent: bool = True) -> str:
    """A confidence interval: ``"IK 95%: 15,1–21,7"`` (id) or ``"95% CI: 15.1–21.7"`` (en).

    When the lower bound is negative (a change), the bounds are joined by a word ("hingga" /
    "to") instead of a dash.

    Parameters
    ----------
    low, high
        Bounds: proportions (0–1) when ``percent`` is true (shown as percentage points without
        the % sign), otherwise plain numbers.
    lang
        ``"id"`` or ``"en"``.
    decimals
        Digits after the decimal separator.
    level
        Confidence level in percent, for the prefix.
    percent
        Whether the bounds are proportions.

    Returns
    -------
    str
    """
    _check_lang(lang)
    scale = 100.0 if percent else 1.0
    lo = MISSING[lang] if _is_missing(low) else fmt_number(float(low) * scale, decimals, lang)
    hi = MISSING[lang] if _is_missing(high) else fmt_number(float(high) * scale, decimals, lang)
    sep = DASH
    if lo.startswith(MINUS) or hi.startswith(MINUS):
        sep = labels_mod.text("range_word", lang)
    prefix = labels_mod.text("ci_prefix", lang, level=level)
    return f"{prefix}: {lo}{sep}{hi}"


def fmt_pp(change: Any, lang: str = "id", decimals: int = 1, signed: bool = True) -> str:
    """A change of a proportion in percentage points: ``fmt_pp(-0.021) == "−2,1 poin"``.

    Parameters
    ----------
    change
        The change on the 0–1 scale (a difference of two proportions).
    lang
        ``"id"`` or ``"en"``.
    decimals
        Digits after the decimal separator.
    signed
        With ``False`` the magnitude only (for sentences that say "turun"/"naik").

    Returns
    -------
    str
    """
    _check_lang(lang)
    if _is_missing(change):
        return MISSING[lang]
    value = float(change) * 100
    if not signed:
        value = abs(value)
    one = _round_half_up(abs(value), decimals) == 1
    unit = labels_mod.text("point" if one else "points", lang)
    return f"{fmt_number(value, decimals, lang, signed=signed)} {unit}"


_IDR_SCALES = [(1e12, "trillion"), (1e9, "billion"), (1e6, "million"), (1e3, "thousand")]


def fmt_idr(amount: Any, lang: str = "id", compact: bool = False, decimals: int = 1) -> str:
    """Rupiah: ``"Rp391.000"`` (id), ``"IDR 391,000"`` (en); ``compact`` gives ``"Rp391 ribu"``.

    Parameters
    ----------
    amount
        Amount in rupiah; missing gives ``"t.a."`` / ``"n/a"``.
    lang
        ``"id"`` or ``"en"``.
    compact
        Use the largest of ribu/juta/miliar/triliun not above the amount, with ``decimals``
        digits (trailing zeros dropped): ``fmt_idr(1_250_000, compact=True, decimals=2) ==
        "Rp1,25 juta"``.
    decimals
        Digits of the compact form.

    Returns
    -------
    str
    """
    _check_lang(lang)
    if _is_missing(amount):
        return MISSING[lang]
    prefix = labels_mod.text("idr_prefix", lang)
    value = float(amount)
    sign = MINUS if value < 0 else ""
    value = abs(value)
    if compact:
        for scale, key in _IDR_SCALES:
            word = labels_mod.text(key, lang)
            if value >= scale:
                num = fmt_number(value / scale, decimals, lang)
                dec = labels_mod.SEPARATORS[lang][0]
                if dec in num:
                    num = num.rstrip("0").rstrip(dec)
                return f"{sign}{prefix}{num} {word}"
    return f"{sign}{prefix}{fmt_int(value, lang)}"


_PERIOD_RE = re.compile(r"^(\d{4})-(\d{2})$")


def fmt_period(period: Any, lang: str = "id", short: bool = False) -> str:
    """A period ``"YYYY-MM"`` as words: ``fmt_period("2024-08") == "Agustus 2024"``.

    Parameters
    ----------
    period
        ``"YYYY-MM"`` (longer strings are cut to 7 characters); missing gives ``"t.a."`` / ``"n/a"``.
    lang
        ``"id"`` or ``"en"``.
    short
        Short month names ("Agu 2024").

    Returns
    -------
    str

    Raises
    ------
    RakorInputError
        When ``period`` is not written YYYY-MM.
    """
    _check_lang(lang)
    if _is_missing(period):
        return MISSING[lang]
    text = str(period)[:7]
    m = _PERIOD_RE.match(text)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise RakorInputError(f"period must be written YYYY-MM (e.g. 2024-08); got {period!r}")
    names = MONTHS_SHORT if short else MONTHS
    return f"{names[lang][int(m.group(2)) - 1]} {m.group(1)}"


def fmt_date(day: Any, lang: str = "id") -> str:
    """A date as words: ``fmt_date("2025-04-09") == "9 April 2025"`` (``"April 9, 2025"`` in English).

    Parameters
    ----------
    day
        Anything ``pandas.Timestamp`` reads; missing gives ``"t.a."`` / ``"n/a"``.
    lang
        ``"id"`` or ``"en"``.

    Returns
    -------
    str
    """
    _check_lang(lang)
    if _is_missing(day):
        return MISSING[lang]
    d = pd.Timestamp(day)
    month = MONTHS[lang][d.month - 1]
    return f"{d.day} {month} {d.year}" if lang == "id" else f"{month} {d.day}, {d.year}"


_NUM_RE = {
    "id": re.compile(r"[+\u2212-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?|[+\u2212-]?\d+(?:,\d+)?"),
    "en": re.compile(r"[+\u2212-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[+\u2212-]?\d+(?:\.\d+)?"),
}


def parse_numbers(text: str, lang: str = "id") -> list[float]:
    """Every number written in ``text``, as floats, in order (the inverse of the formatters).

    Parameters
    ----------
    text
        Text written by this module.
    lang
        ``"id"`` or ``"en"`` (which separators to read).

    Returns
    -------
    list of float
        Percentages come back in percent (``"18,2%"`` → 18.2); ranges ``15,1–21,7`` give two
        numbers; years ("2024") and the "95" of "IK 95%" are numbers too — callers pick what they
        check.
    """
    _check_lang(lang)
    out = []
    for tok in _NUM_RE[lang].findall(text.replace(DASH, " ")):
        tok = tok.replace(MINUS, "-")
        dec, thousands = labels_mod.SEPARATORS[lang]
        tok = tok.replace(thousands, "").replace(dec, ".")
        out.append(float(tok))
    return out


# ----------------------------------------------------------------------------------------------
# Labels
# ----------------------------------------------------------------------------------------------

def labels(lang: str = "id") -> dict[str, dict[str, str]]:
    """Labels of a language by group: ``indicator``, ``subject``, ``reliability``, ``header``, ``text``, ….

    A thin alias of :func:`analysis.briefs.labels.labels` (the one label module).

    Parameters
    ----------
    lang
        ``"id"`` or ``"en"``.

    Returns
    -------
    dict
        A fresh copy; e.g. ``labels("id")["reliability"]["caution"] == "hati-hati"``.
    """
    return labels_mod.labels(lang)


def indicator_label(indicator: str, lang: str = "id") -> str:
    """Name of an indicator (falls back to the key with underscores as spaces).

    Parameters
    ----------
    indicator
        An ``indicator`` of the estimates table.
    lang
        ``"id"`` or ``"en"``.

    Returns
    -------
    str
    """
    pair = labels_mod.INDICATORS.get(indicator)
    _check_lang(lang)
    return str(indicator).replace("_", " ") if pair is None else labels_mod.pick(pair, lang)


def reliability_label(code: Any, lang: str = "id") -> str:
    """``reliable``/``caution``/``unreliable`` → "andal"/"hati-hati"/"tidak andal" (empty if missing).

    Parameters
    ----------
    code
        A ``reliability`` of the estimates table.
    lang
        ``"id"`` or ``"en"``.

    Returns
    -------
    str
    """
    if _is_missing(code):
        return ""
    pair = labels_mod.RELIABILITY.get(str(code))
    _check_lang(lang)
    return str(code) if pair is None else labels_mod.pick(pair, lang)


def _get(row: Any, key: str, default: Any = None) -> Any:
    if row is None:
        return default
    try:
        value = row[key]
    except (KeyError, IndexError, TypeError):
        return default
    return default if _is_missing(value) else value


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _subject(indicator: str | None, label: str | None, lang: str) -> str:
    lab = label or indicator_label(indicator or "", lang)
    pair = labels_mod.SUBJECTS.get(indicator if label is None else "", None) \
        or labels_mod.SUBJECTS["default"]
    template = labels_mod.pick(pair, lang)
    return _capitalise(template.format(label=lab, Label=_capitalise(lab)))


def _is_count(row: Any) -> bool:
    return str(_get(row, "unit", "proportion")) == "count"


def _fmt_value(value: Any, row: Any, lang: str) -> str:
    return fmt_int(value, lang) if _is_count(row) else fmt_pct(value, lang)


def _significance(change: Mapping | None, row: Any, previous_row: Any, lang: str,
                  alpha: float) -> str:
    """Clause on statistical significance of a change (empty if nothing to judge it by)."""
    sig_words = tuple(labels_mod.text(k, lang) for k in ("sig_yes", "sig_no", "sig_untested"))
    if change is not None:
        p = _get(change, "p_value")
        if p is not None:
            return sig_words[0] if float(p) < alpha else sig_words[1]
        lo, hi = _get(change, "ci_low"), _get(change, "ci_high")
        if lo is not None and hi is not None:
            return sig_words[0] if (float(lo) > 0 or float(hi) < 0) else sig_words[1]
        return ""
    lo1, hi1 = _get(row, "ci_low"), _get(row, "ci_high")
    lo0, hi0 = _get(previous_row, "ci_low"), _get(previous_row, "ci_high")
    if None in (lo1, hi1, lo0, hi0):
        return ""
    if float(lo1) > float(hi0) or float(hi1) < float(lo0):
        return sig_words[0]  # non-overlapping 95% CIs imply a significant difference
    return sig_words[2]  # overlap does not imply "not significant"


def _reliability_sentence(row: Any, lang: str) -> str:
    rel = _get(row, "reliability")
    if rel == "unreliable":
        return labels_mod.text("unreliable_sentence", lang)
    if rel == "caution":
        return labels_mod.text("caution_sentence", lang)
    return ""


def prevalence_sentence(row: Any, previous_row: Any = None, indicator_label: str | None = None,
                        lang: str = "id", change: Mapping | None = None, alpha: float = 0.05,
                        subject: str | None = None) -> str:
    """One sentence on an estimate, its 95% CI and its change since the previous period.

    Parameters
    ----------
    row
        An estimates-table row (Series or mapping) with ``estimate, ci_low, ci_high`` and
        optionally ``indicator, unit, data_period/period, reliability, suppressed``.
    previous_row
        The same indicator and area at the previous data period; its ``estimate`` and
        ``data_period`` (or ``period``) give the "turun 2,1 poin dari Agustus 2024" clause.
    indicator_label
        Name of the indicator; default from :func:`labels` by ``row["indicator"]``.
    lang
        ``"id"`` or ``"en"``.
    change
        The change between periods from the estimates table (``diff, ci_low, ci_high, p_value``):
        its ``diff`` is the change shown; significance is ``p_value < alpha``, else a CI of the
        difference that excludes 0. Without it, non-overlapping CIs of the two rows mean a
        significant change and overlapping ones are said to be untested (overlap is not proof of
        no difference).
    alpha
        Significance level for ``p_value``.
    subject
        Replace the whole subject phrase ("Prevalensi stunting").

    Returns
    -------
    str
        e.g. "Prevalensi stunting 18,2% (IK 95%: 15,1–21,7), turun 2,1 poin dari Agustus 2024;
        perubahan tidak bermakna secara statistik."
    """
    _check_lang(lang)
    subj = subject or _subject(_get(row, "indicator"), indicator_label, lang)
    if bool(_get(row, "suppressed", False)):
        return labels_mod.text("suppressed_sentence", lang, subject=subj)
    est = _get(row, "estimate")
    if est is None:
        return f"{subj}: {labels_mod.text('not_available', lang)}."
    text = f"{subj} {_fmt_value(est, row, lang)}"
    lo, hi = _get(row, "ci_low"), _get(row, "ci_high")
    if lo is not None and hi is not None:
        text += f" ({fmt_ci(lo, hi, lang, percent=not _is_count(row))})"
    diff = None
    if change is not None and _get(change, "diff") is not None:
        diff = float(_get(change, "diff"))
    elif previous_row is not None and _get(previous_row, "estimate") is not None:
        diff = float(est) - float(_get(previous_row, "estimate"))
    if diff is not None:
        prev_period = _get(previous_row, "data_period") or _get(previous_row, "period") \
            or _get(change, "previous_period")
        since = ""
        if prev_period is not None:
            since = labels_mod.text("since", lang, period=fmt_period(prev_period, lang))
        shown = fmt_int(abs(diff), lang) if _is_count(row) else fmt_pp(diff, lang, signed=False)
        zero = (_round_half_up(diff, 0) if _is_count(row) else _round_half_up(diff * 100, 1)) == 0
        if zero:
            text += labels_mod.text("unchanged", lang) + since
        else:
            word = labels_mod.text("up" if diff > 0 else "down", lang)
            text += f", {word} {shown}{since}"
        sig = _significance(change, row, previous_row, lang, alpha)
        if sig:
            text += f"; {sig}"
    return text + "." + _reliability_sentence(row, lang)


def zero_target_sentence(row: Any, area_label: str | None = None, indicator_label: str | None = None,
                         lang: str = "id", unit_noun: str | None = None, target: float = 0) -> str:
    """Progress of an area towards a zero target (the focus kelurahan's zero extreme poverty).

    A count (``unit == "count"``) meets the target when it is 0. A proportion with estimate 0
    still has an upper confidence bound: the target is judged on that bound (DOMAIN.md §8), so
    a zero estimate with a positive upper bound is "not yet confirmed".

    Parameters
    ----------
    row
        Estimates-table row: ``estimate`` (and ``ci_high`` for proportions), optionally
        ``area_name, indicator, unit, data_period, suppressed``.
    area_label
        Area name; default ``row["area_name"]``.
    indicator_label
        Default from :func:`labels` by ``row["indicator"]`` ("penduduk miskin ekstrem").
    lang
        ``"id"`` or ``"en"``.
    unit_noun
        Optional noun put before the label of a count ("keluarga").
    target
        The target value in the row's unit (0 for "zero extreme poverty").

    Returns
    -------
    str
        One sentence; a hidden count says "<5" (``privacy.min_cell``).
    """
    _check_lang(lang)
    ind = _get(row, "indicator", "")
    area = area_label or _get(row, "area_name", "")
    label = indicator_label or _indicator_label(ind, lang)
    what = f"{unit_noun} {label}" if unit_noun else label
    period = _get(row, "data_period") or _get(row, "period")
    when = f" ({fmt_period(period, lang)})" if period is not None else ""
    head = f"{area}: " if area else ""
    est = _get(row, "estimate")
    if _is_count(row):
        if bool(_get(row, "suppressed", False)):
            return labels_mod.text("zero_count_hidden", lang, head=head, what=what, when=when)
        if est is None:
            return f"{head}{labels_mod.text('not_available', lang)}."
        if float(est) <= target:
            return labels_mod.text("zero_count_met", lang, head=head, label=label, when=when)
        return labels_mod.text("zero_count_not_met", lang, head=head, count=fmt_int(est, lang), what=what,
                               when=when)
    if est is None:
        return f"{head}{labels_mod.text('not_available', lang)}."
    hi = _get(row, "ci_high")
    lo = _get(row, "ci_low")
    pct = fmt_pct(est, lang)
    if float(est) <= target:
        if hi is not None and float(hi) > target:
            return labels_mod.text("zero_pct_unconfirmed", lang, head=head, label=label, pct=pct,
                                   high=fmt_pct(hi, lang), when=when)
        return labels_mod.text("zero_pct_met", lang, head=head, label=label, when=when)
    ci = f" ({fmt_ci(lo, hi, lang)})" if lo is not None and hi is not None else ""
    return labels_mod.text("zero_pct_not_met", lang, head=head, label=label, pct=pct, ci=ci, when=when)


def _indicator_label(indicator: str, lang: str) -> str:
    """:func:`indicator_label` under another name (functions below take ``indicator_label=``)."""
    return indicator_label(indicator, lang)


def source_line(sources: Mapping[str, Any] | str, lang: str = "id") -> str:
    """``"Sumber: e-PPGBM Agustus 2024; DTSEN Juni 2024"`` from ``{source: data_period}`` or text.

    Parameters
    ----------
    sources
        Display names with their data periods, or a ready text (prefixed with "Sumber:" unless
        it already starts with it).
    lang
        ``"id"`` or ``"en"``.

    Returns
    -------
    str
    """
    _check_lang(lang)
    prefix = labels_mod.text("source", lang)
    if isinstance(sources, str):
        return sources if sources.lower().startswith(prefix.lower()) else f"{prefix}: {sources}"
    parts = [f"{name} {fmt_period(p, lang)}" if p is not None and not _is_missing(p) else str(name)
             for name, p in sources.items()]
    return f"{prefix}: " + "; ".join(parts)


__all__ = [
    "fmt_number", "fmt_int", "fmt_int_series", "fmt_pct", "fmt_ci", "fmt_pp", "fmt_idr", "fmt_period",
    "parse_numbers", "labels", "indicator_label", "reliability_label", "prevalence_sentence",
    "zero_target_sentence", "source_line", "MINUS", "DASH",
]

