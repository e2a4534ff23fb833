"""Every word of the briefs, in Bahasa Indonesia and English: data, not branches.

Each label is a pair ``(id, en)`` so a key cannot exist in one language only. Groups:

- :data:`MONTHS`, :data:`MONTHS_SHORT`: month names (the only copy in the package);
- :data:`INDICATORS`, :data:`SUBJECTS`: indicator names and the subject of a prevalence sentence;
- :data:`RELIABILITY`: ``reliable``/``caution``/``unreliable``;
- :data:`NOTES`: statuses and ratings stored (in Indonesian) in the estimates table's ``note``;
- :data:`HEADERS`: table headers;
- :data:`SOURCES`: display names of the data sources;
- :data:`QUALITY_CHECKS`, :data:`SAE_COLUMNS`: labels of the data-quality and small-area tables;
- :data:`TEXT`: section headings, fixed sentences and sentence templates of the briefs;
- :data:`PLOT_TEXT`, :data:`PAGE_WORDS`: words of the figures' alt texts and of the PDF page numbers;
- :data:`REGION_WORDS`: the words of the region's kind ("Kota"/"Kabupaten", "Wali Kota"/"Bupati",
  "kelurahan"/"desa"), keys from :func:`analysis.intake.gazetteer.area_words`.

The labels are written for a kota of kelurahan (Bontang). For another region :func:`pick` puts the
region's words in place of "kota"/"city" and "kelurahan" (:func:`region_words`), so a kabupaten's
briefs say "Kabupaten" and "desa" without a second copy of every sentence.

Templates name their values in braces. Policy values come from ``config/settings.yml`` through
:func:`policy` (``{min_cell}``, ``{small_range}``, ``{reliable_max_rse}``, ``{caution_max_rse}``,
``{ci_method}``, ``{ci_method_rare}``, ``{ci_method_rare_name}``, ``{poor_max_desil}``), so a
sentence never states a policy number the configuration does not hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from analysis.errors import RakorInputError

LANGS = ("id", "en")
DASH = "\u2013"  # en dash for ranges

Pair = tuple[str, str]

MONTHS: dict[str, list[str]] = {
    "id": ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
           "September", "Oktober", "November", "Desember"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
}
MONTHS_SHORT: dict[str, list[str]] = {
    "id": ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"],
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
}
MISSING: Pair = ("t.a.", "n/a")  # tidak tersedia / not available
# (decimal, thousands) separators: 1.234,5 (PUEBI, BPS) / 1,234.5
SEPARATORS: dict[str, tuple[str, str]] = {"id": (",", "."), "en": (".", ",")}

# Display names of confidence-interval methods (keys as in ``estimation.ci_method*``).
CI_METHOD_NAMES = {
    "logit": "logit", "korn-graubard": "Korn-Graubard", "clopper-pearson": "Clopper-Pearson",
    "wilson": "Wilson", "wald": "Wald", "beta": "Clopper-Pearson",
}

INDICATORS: dict[str, Pair] = {
    "stunting": ("stunting", "stunting"),
    "severe_stunting": ("stunting berat (sangat pendek)", "severe stunting"),
    "wasting": ("wasting (gizi kurang dan gizi buruk)", "wasting"),
    "underweight": ("berat badan kurang (underweight)", "underweight"),
    "poverty_p0": ("kemiskinan", "poverty"),
    "poverty_p1": ("indeks kedalaman kemiskinan (P1)", "poverty gap index (P1)"),
    "poverty_p2": ("indeks keparahan kemiskinan (P2)", "poverty severity index (P2)"),
    "extreme_poverty_p0": ("kemiskinan ekstrem", "extreme poverty"),
    "extreme_poverty_count": ("penduduk miskin ekstrem", "people in extreme poverty"),
    "dtsen_desil1_families": ("keluarga desil 1 DTSEN", "DTSEN decile-1 families"),
    "rt_extreme_candidates": ("calon keluarga miskin ekstrem hasil pendataan RT",
                              "extreme-poverty candidates from the RT listing"),
    "stunting_count": ("balita stunting", "stunted children"),
    "children_measured": ("balita diukur", "children measured"),
    # growth monitoring at the posyandu (SKDN, issue 16)
    "skdn_s": ("balita sasaran (S)", "target children (S)"),
    "skdn_d": ("balita ditimbang (D)", "children weighed (D)"),
    "skdn_n": ("balita naik berat badan (N)", "children whose weight went up (N)"),
    "skdn_t": ("balita tidak naik berat badan (T)", "children whose weight did not go up (T)"),
    "skdn_o": ("balita tidak ditimbang bulan lalu (O)", "children not weighed last month (O)"),
    "skdn_b": ("bayi baru pertama kali ditimbang (B)", "newborns weighed for the first time (B)"),
    "skdn_d_s": ("partisipasi penimbangan (D/S)", "weighing participation (D/S)"),
    "skdn_n_d": ("balita naik berat badan (N/D')", "children gaining weight (N/D')"),
    "growth_2t": ("balita tidak naik berat badan dua bulan berturut-turut (2T)",
                  "children not gaining weight two months running (2T)"),
    **{f"skdn_{x}_difference": (f"selisih {x.upper()} (data by name - laporan bulanan)",
                                f"difference in {x.upper()} (by-name data - monthly report)")
       for x in ("s", "d", "n", "t", "o", "b")},
    "extreme_families_verified": ("keluarga miskin ekstrem terverifikasi", "verified extreme-poor families"),
    "extreme_families_unverified": ("keluarga calon miskin ekstrem yang belum diverifikasi",
                                    "extreme-poverty candidate families not yet verified"),
    "extreme_families_cleared": ("keluarga yang diverifikasi tidak memenuhi kriteria",
                                 "families verified as not meeting the criteria"),
    "recon_dtsen_desil1": ("keluarga desil 1 DTSEN", "DTSEN decile-1 families"),
    "recon_rt_extreme": ("keluarga miskin ekstrem menurut pendataan RT", "extreme-poor families by the RT listing"),
    "recon_both": ("di kedua daftar (desil 1 dan pendataan RT)", "on both lists (decile 1 and RT listing)"),
    "recon_dtsen_only_not_listed": ("hanya desil 1 DTSEN, belum didata RT", "DTSEN decile 1 only, not listed by the RT"),
    "recon_dtsen_only_rt_not_extreme": ("desil 1 DTSEN, menurut RT tidak miskin ekstrem",
                                        "DTSEN decile 1, not extreme-poor by the RT"),
    "recon_rt_only_dtsen_other_desil": ("miskin ekstrem menurut RT, di DTSEN desil lain",
                                        "extreme-poor by the RT, another DTSEN decile"),
    "recon_rt_only_not_in_dtsen": ("miskin ekstrem menurut RT, tidak ada di DTSEN",
                                   "extreme-poor by the RT, not in DTSEN"),
    "recon_conflicts": ("perlu dicek", "to check"),
    # verification loop (issue 15)
    "extreme_families_left": ("keluarga keluar dari daftar (pindah/meninggal)",
                              "families off the list (moved away/died)"),
    "extreme_families_not_found": ("keluarga tidak ditemukan saat verifikasi",
                                   "families not found at the verification visit"),
    # WHO anthro's standard table and each child followed (issue 16)
    "overweight": ("gizi lebih (BB/TB > +2 SD)", "overweight"),
    "haz_mean": ("rata-rata z TB/U", "mean height-for-age z"),
    "waz_mean": ("rata-rata z BB/U", "mean weight-for-age z"),
    "whz_mean": ("rata-rata z BB/TB", "mean weight-for-height z"),
    "haz_sd": ("simpangan baku z TB/U", "SD of height-for-age z"),
    "waz_sd": ("simpangan baku z BB/U", "SD of weight-for-age z"),
    "whz_sd": ("simpangan baku z BB/TB", "SD of weight-for-height z"),
    "stunting_incidence": ("stunting baru (tidak stunting sebelumnya, kini stunting)",
                           "new stunting (not stunted before, stunted now)"),
    "stunting_recovery": ("keluar dari stunting (stunting sebelumnya, kini tidak)",
                          "recovery from stunting (stunted before, not now)"),
    "haz_mean_change": ("rata-rata perubahan z TB/U", "mean change in height-for-age z"),
    "height_fall_pairs": ("pasangan pengukuran dengan tinggi turun (kesalahan ukur)",
                          "measurement pairs with a falling height (measurement error)"),
}
SUBJECTS: dict[str, Pair] = {  # the subject of a prevalence sentence; {label} = indicator label
    "default": ("Prevalensi {label}", "{Label} prevalence"),
    "poverty_p0": ("Persentase penduduk miskin", "Poverty rate"),
    "extreme_poverty_p0": ("Persentase penduduk miskin ekstrem", "Extreme poverty rate"),
}
RELIABILITY: dict[str, Pair] = {
    "reliable": ("andal", "reliable"),
    "caution": ("hati-hati", "use with caution"),
    "unreliable": ("tidak andal", "unreliable"),
}
NOTES: dict[str, Pair] = {  # labels stored in the estimates table's `note` (Indonesian) → both languages
    "tercapai": ("tercapai", "met"), "belum tercapai": ("belum tercapai", "not met"),
    "perlu verifikasi": ("perlu verifikasi", "needs verification"),
    "tidak ada data": ("tidak ada data", "no data"), "sangat baik": ("sangat baik", "excellent"),
    "baik": ("baik", "good"), "cukup": ("cukup", "acceptable"), "bermasalah": ("bermasalah", "problematic"),
    "wajar": ("wajar", "ok"), "perlu diperiksa": ("perlu diperiksa", "warning"),
    "terlewati": ("terlewati", "passed"),
    "tidak tercapai dengan laju sekarang": ("tidak tercapai dengan laju sekarang", "not reached at the current pace"),
    "diinput susulan": ("diinput susulan", "entered late (back-filled)"),
    "diinput sebelum akhir bulan": ("diinput sebelum akhir bulan", "entered before the month ended"),
}
HEADERS: dict[str, Pair] = {
    "followed_not_stunted": ("Tidak stunting sebelumnya", "Not stunted before"),
    "followed_stunted": ("Stunting sebelumnya", "Stunted before"),
    "incidence_ci": ("Stunting baru % (IK 95%)", "New stunting % (95% CI)"),
    "recovery_ci": ("Keluar dari stunting % (IK 95%)", "Recovery % (95% CI)"),
    "haz_change": ("Perubahan rata-rata z TB/U", "Mean change in HAZ"),
    "area_name": ("Wilayah", "Area"), "kecamatan": ("Kecamatan", "Kecamatan"),
    "kelurahan": ("Kelurahan", "Kelurahan"), "indicator": ("Indikator", "Indicator"),
    "period": ("Periode", "Period"), "data_period": ("Periode data", "Data period"),
    "n": ("Jumlah diukur/sampel", "Measured/sample size"), "n_weighted": ("Jumlah tertimbang", "Weighted count"),
    "estimate": ("Perkiraan", "Estimate"), "count": ("Jumlah", "Count"),
    "prevalence": ("Prevalensi (%)", "Prevalence (%)"), "ci": ("IK 95%", "95% CI"),
    "ci_low": ("Batas bawah", "Lower bound"), "ci_high": ("Batas atas", "Upper bound"),
    "se": ("Galat baku", "Standard error"), "deff": ("Efek desain", "Design effect"),
    "method": ("Metode", "Method"), "source": ("Sumber", "Source"),
    "reliability": ("Keandalan", "Reliability"), "rank": ("Peringkat", "Rank"),
    "change": ("Perubahan (poin)", "Change (points)"), "target": ("Target", "Target"),
    "reason": ("Alasan", "Reason"), "rows": ("Baris", "Rows"),
    "puskesmas": ("Puskesmas", "Puskesmas"), "z_both": ("Balita dengan kedua nilai", "Children with both values"),
    "z_differ": ("Klasifikasi stunting berbeda", "Stunting classification differs"),
    # area tables
    "stunted_children": ("Balita stunting", "Stunted children"),
    "stunting_pct_ci": ("Stunting % (IK 95%)", "Stunting % (95% CI)"),
    "poor_pct_ci": ("Miskin % (IK 95%)", "Poor % (95% CI)"),
    "extreme_pct_ci": ("Miskin ekstrem % (IK 95%)", "Extreme poor % (95% CI)"),
    "desil1_families": ("Keluarga desil 1", "Decile-1 families"),
    # small area
    "direct": ("Langsung", "Direct"), "fay_herriot": ("Fay-Herriot", "Fay-Herriot"),
    "extreme_fh": ("Miskin ekstrem (FH)", "Extreme poor (FH)"),
    # focus tracker
    "verified_extreme": ("Keluarga miskin ekstrem terverifikasi", "Verified extreme-poor families"),
    "not_verified": ("Belum diverifikasi", "Not yet verified"),
    "desil1_dtsen": ("Keluarga desil 1 (DTSEN)", "Decile-1 families (DTSEN)"),
    "extreme_ci_high": ("Estimasi miskin ekstrem, batas atas IK", "Extreme poverty estimate, CI upper bound"),
    "status": ("Status", "Status"),
    "participation": ("Partisipasi D/S % (IK 95%)", "Participation D/S % (95% CI)"),
    # the 100 days and timeliness (issue 19)
    "hd_remaining": ("Sisa keluarga", "Families remaining"),
    "hd_cleared": ("Tuntas sejak hari ke-0", "Cleared since day 0"),
    "hd_pace": ("Laju sekarang / minggu", "Current pace / week"),
    "hd_needed": ("Laju dibutuhkan / minggu", "Pace needed / week"),
    "hd_projected": ("Perkiraan nol", "Projected zero"),
    "hd_upper": ("Batas atas survei (keluarga)", "Survey upper bound (families)"),
    "tl_file": ("Berkas", "File"), "tl_age": ("Umur data (hari)", "Data age (days)"),
    "tl_delay": ("Median keterlambatan (hari)", "Median delay (days)"),
    "tl_reports": ("Laporan kelurahan", "Kelurahan reports"),
    "tl_turnaround": ("Median lama verifikasi (hari)", "Median turnaround (days)"),
    "tl_results": ("Hasil verifikasi", "Verification results"),
    "note": ("Keterangan", "Note"),
    # targeting
    "programme": ("Program", "Programme"), "beneficiaries": ("Penerima", "Beneficiaries"),
    "reached": ("Sasaran terjangkau", "Target families reached"),
    "coverage": ("Cakupan sasaran", "Coverage of target group"),
    "leakage": ("Salah sasaran (bocor)", "Leakage"),
    "excluded": ("Sasaran belum terjangkau", "Target families not reached"),
    # data quality
    "check": ("Pemeriksaan", "Check"), "value": ("Nilai", "Value"), "p": ("p", "p"),
    "rating": ("Penilaian", "Rating"),
    # kelurahan brief and the annex (lampiran.xlsx)
    "area": ("Wilayah", "Area"), "kel_posyandu": ("Posyandu", "Posyandu"), "kel_rt": ("RT", "RT"),
    "kel_measured": ("Balita diukur", "Children measured"), "kel_stunted": ("Balita stunting", "Stunted children"),
    "kel_rate": ("Stunting (%)", "Stunting (%)"),
    "kel_verified": ("Terverifikasi miskin ekstrem", "Verified extreme poor"),
    "kel_unverified": ("Menunggu verifikasi", "Awaiting verification"),
    "kel_cleared": ("Tidak memenuhi kriteria", "Cleared (criteria not met)"),
    "kel_target": ("Keluarga sasaran", "Target families"),
    "annex_area_level": ("Tingkat wilayah", "Area level"), "annex_area_code": ("Kode wilayah", "Area code"),
    "annex_breakdown": ("Rincian", "Breakdown"), "annex_unit": ("Satuan", "Unit"),
    "annex_note": ("Catatan", "Note"), "annex_shown": ("Angka tampil", "Value shown"),
}
SOURCES: dict[str, Pair] = {  # data sources a brief names, in this order
    "eppgbm": ("e-PPGBM", "e-PPGBM"), "susenas": ("Susenas", "Susenas"), "dtsen": ("DTSEN", "DTSEN"),
    "pendataan_rt": ("Pendataan RT", "Pendataan RT"), "program": ("Daftar program", "Daftar program"),
    "eppgbm_bulanan": ("Laporan bulanan e-PPGBM", "e-PPGBM monthly report"),
}
OVERLAP_SOURCES: dict[str, Pair] = {  # short names in the "families by list" chart
    "dtsen": ("DTSEN", "DTSEN"), "pendataan_rt": ("RT", "RT"), "program": ("Program", "Program"),
    "eppgbm": ("e-PPGBM", "e-PPGBM"),
}
QUALITY_CHECKS: dict[str, Pair] = {  # the checks a brief shows, in order
    "n_children": ("Balita dengan z-skor", "Children with z-scores"),
    "completeness_pct": ("Kelengkapan data (%)", "Completeness (%)"),
    "flagged_haz_pct": ("z-skor TB/U tidak masuk akal (%)", "Implausible HAZ (%)"),
    "flagged_whz_pct": ("z-skor BB/TB tidak masuk akal (%)", "Implausible WHZ (%)"),
    "sd_haz": ("SD z-skor TB/U", "SD of HAZ"),
    "flagged_whz_smart_pct": ("SMART: BB/TB di luar ±3 dari rata-rata (%)", "SMART: WHZ outside mean ±3 (%)"),
    "sex_ratio": ("SMART: rasio jenis kelamin", "SMART: sex ratio"),
    "age_ratio_6_29_30_59": ("SMART: rasio umur 6–29/30–59 bulan", "SMART: age ratio 6–29/30–59 months"),
    "dps_weight": ("SMART: preferensi digit berat", "SMART: digit preference, weight"),
    "dps_height": ("SMART: preferensi digit tinggi", "SMART: digit preference, height"),
    "sd_whz_smart": ("SMART: SD z-skor BB/TB", "SMART: SD of WHZ"),
    "skewness_whz_smart": ("SMART: kemencengan BB/TB", "SMART: skewness of WHZ"),
    "kurtosis_whz_smart": ("SMART: keruncingan BB/TB", "SMART: kurtosis of WHZ"),
    "poisson_dispersion_whz": ("SMART: sebaran wasting antar-posyandu",
                               "SMART: dispersion of wasting across posyandu"),
}
SAE_COLUMNS: dict[str, Pair] = {  # Fay-Herriot diagnostics per kelurahan, in this order
    "sae_gamma": ("γ (bobot langsung)", "γ (weight on direct)"),
    "sae_std_residual": ("Residu baku", "Std. residual"),
    "sae_cv_direct": ("CV langsung (%)", "CV direct (%)"),
    "sae_cv_eblup": ("CV Fay-Herriot (%)", "CV Fay-Herriot (%)"),
}

TEXT: dict[str, Pair] = {
    # growth monitoring (issue 16)
    "h_growth": ("Pemantauan pertumbuhan", "Growth monitoring"),
    "age_profile_title": ("Prevalensi stunting per kelompok umur, {period}", "Stunting prevalence by age group, {period}"),
    "age_profile_x": ("Umur (bulan)", "Age (months)"),
    "age_profile_note": (
        "Stunting per kelompok umur WHO. 1.000 hari pertama kehidupan berakhir pada umur 24 bulan: "
        "kelompok umur tempat stunting mulai naik menunjukkan kapan intervensi harus datang.",
        "Stunting by WHO age group. The first 1,000 days end at 24 months of age: the age group where "
        "stunting starts to rise shows when interventions must come."),
    "first_1000_days": ("1.000 hari pertama", "first 1,000 days"),
    "h_transitions": ("Balita yang diikuti antar-putaran", "Children followed between rounds"),
    "transitions_note": (
        "Balita yang diukur tinggi badannya pada putaran {before} dan {now}, dihubungkan menurut "
        "identitasnya. Stunting baru: dari balita yang tidak stunting pada {before}, persentase yang "
        "stunting pada {now}. Keluar dari stunting: dari balita stunting pada {before}, persentase yang "
        "tidak lagi stunting. IK 95% Wilson. {falls} pasangan pengukuran dengan tinggi badan turun lebih "
        "dari {fall_cm} cm tidak dihitung (kesalahan ukur).",
        "Children whose height was measured in both the {before} and {now} rounds, linked by identity. "
        "New stunting: of the children not stunted in {before}, the percentage stunted in {now}. "
        "Recovery: of the children stunted in {before}, the percentage no longer stunted. Wilson 95% CI. "
        "{falls} measurement pairs whose height fell by more than {fall_cm} cm are left out (measurement error)."),
    "h_skdn_trend": ("Partisipasi penimbangan dan kenaikan berat badan", "Weighing participation and weight gain"),
    "h_posyandu_participation": ("Posyandu dengan partisipasi penimbangan terendah",
                                 "Posyandu with the lowest weighing participation"),
    "posyandu_participation_note": (
        "{shown} dari {total} posyandu, partisipasi (D/S) terendah dahulu, {month}; IK 95% Wilson.",
        "{shown} of {total} posyandu, lowest participation (D/S) first, {month}; Wilson 95% CI."),
    "skdn_d_s_title": ("Partisipasi penimbangan D/S per kelurahan", "Weighing participation D/S by kelurahan"),
    "skdn_n_d_title": ("Balita naik berat badan N/D' per kelurahan", "Children gaining weight N/D' by kelurahan"),
    "worklist_persistent_stunting": (
        "Balita stunting pada putaran {before} dan kini, belum menerima program apa pun; "
        "pastikan rujukan ke puskesmas dan program bantuan keluarga.",
        "Child stunted in the {before} round and now, reached by no programme; make sure of a "
        "referral to the puskesmas and of family assistance."),
    # words used across the briefs
    "city": ("Kota", "City"), "target": ("Target", "Target"), "source": ("Sumber", "Source"),
    "ci95": ("IK 95%", "95% CI"), "figure": ("Gambar", "Figure"), "table": ("Tabel", "Table"),
    "page": ("Halaman", "Page"), "of": ("dari", "of"),
    "suppressed_note": (
        "<{min_cell}: jumlah {small_range} disembunyikan untuk melindungi data pribadi; "
        "*: disembunyikan agar sel kecil tidak dapat dihitung dari total.",
        "<{min_cell}: counts of {small_range} hidden to protect personal data; "
        "*: hidden so that a small cell cannot be derived from the total."),
    "synthetic_banner": ("DATA SINTETIS — bukan data sebenarnya; hanya untuk uji coba.",
                         "SYNTHETIC DATA — not real data; for testing only."),
    "unreliable_marker": ("tidak andal", "unreliable"),
    "not_available": ("data tidak tersedia", "data not available"),
    # number words (narrative)
    "ci_prefix": ("IK {level}%", "{level}% CI"), "range_word": (" hingga ", " to "),
    "points": ("poin", "points"), "point": ("poin", "point"),
    "idr_prefix": ("Rp", "IDR "),
    "thousand": ("ribu", "thousand"), "million": ("juta", "million"), "billion": ("miliar", "billion"),
    "trillion": ("triliun", "trillion"),
    # prevalence and zero-target sentences (narrative)
    "sig_yes": ("perubahan bermakna secara statistik", "the change is statistically significant"),
    "sig_no": ("perubahan tidak bermakna secara statistik", "the change is not statistically significant"),
    "sig_untested": ("selang kepercayaan kedua periode tumpang tindih; kemaknaan perubahan belum diuji",
                     "the confidence intervals of the two periods overlap; the change was not tested"),
    "unreliable_sentence": (" Angka ini tidak andal (galat relatif besar); gunakan hanya sebagai petunjuk.",
                            " This figure is unreliable (large relative error); use it only as an indication."),
    "caution_sentence": (" Angka ini perlu ditafsirkan dengan hati-hati.", " Interpret this figure with caution."),
    "suppressed_sentence": (
        "{subject} tidak ditampilkan (jumlah kurang dari {min_cell}, untuk melindungi data pribadi).",
        "{subject} is not shown (fewer than {min_cell} cases, to protect personal data)."),
    "since": (" dari {period}", " from {period}"),
    "unchanged": (", tidak berubah", ", unchanged"),
    "up": ("naik", "up"), "down": ("turun", "down"),
    "zero_count_hidden": ("{head}masih ada <{min_cell} {what}{when}; target nol belum tercapai.",
                          "{head}fewer than {min_cell} {what} remain{when}; the zero target is not yet met."),
    "zero_count_met": ("{head}target nol tercapai: tidak ada {label} yang tercatat{when}.",
                       "{head}zero target met: no {label} recorded{when}."),
    "zero_count_not_met": ("{head}masih ada {count} {what}{when}; target nol belum tercapai.",
                           "{head}{count} {what} remain{when}; the zero target is not yet met."),
    "zero_pct_unconfirmed": ("{head}{label} {pct}, dengan batas atas IK 95% {high}{when}; "
                             "target nol belum dapat dipastikan tercapai.",
                             "{head}{label} {pct}, with a 95% CI upper bound of {high}{when}; "
                             "the zero target cannot yet be confirmed."),
    "zero_pct_met": ("{head}target nol {label} tercapai{when}.", "{head}zero {label} target met{when}."),
    "zero_pct_not_met": ("{head}{label} {pct}{ci}{when}; target nol belum tercapai.",
                         "{head}{label} {pct}{ci}{when}; the zero target is not yet met."),
    # header and headlines
    "title": ("Brief Rakor Penanggulangan Kemiskinan Ekstrem dan Stunting",
              "Rakor brief: extreme poverty and stunting"),
    "audience": ("Bahan rakor koordinasi {head} {region}", "For the coordination meeting of the {head}, {region}"),
    "kecamatan_prefix": ("Kecamatan ", "Kecamatan "),
    "h_headlines": ("Ringkasan", "Headlines"),
    "plausibility_headline": ("Skor plausibilitas data antropometri {score} ({rating}).",
                              "Anthropometric plausibility score {score} ({rating})."),
    # area tables
    "h_kelurahan": ("Kelurahan", "Kelurahan"), "h_kecamatan": ("Kecamatan", "Kecamatan"),
    "h_kabkota": ("Kabupaten/kota, menurut prevalensi stunting", "Regencies and cities, ranked by stunting prevalence"),
    "level_kabkota": ("kabupaten/kota", "regency/city"),
    "h_ranking": ("Semua kelurahan, menurut prevalensi stunting", "All kelurahan, ranked by stunting prevalence"),
    "table_note": (
        "◆ kelurahan fokus (target nol kemiskinan ekstrem). * hati-hati (RSE {reliable_max_rse}–"
        "{caution_max_rse}%); † tidak andal (RSE > {caution_max_rse}% atau satu PSU). ",
        "◆ focus kelurahan (zero extreme poverty target). * use with caution (RSE {reliable_max_rse}–"
        "{caution_max_rse}%); † unreliable (RSE > {caution_max_rse}% or a single PSU). "),
    # stunting figures
    "forest_title": ("Prevalensi stunting per {level}, {period}", "Stunting prevalence by {level}, {period}"),
    "stunting_prevalence": ("Prevalensi stunting", "Stunting prevalence"),
    "h_trend": ("Tren stunting", "Stunting trend"),
    "trend_title": ("Prevalensi stunting per putaran penimbangan", "Stunting prevalence by weighing round"),
    "trend_monthly_title": ("Prevalensi stunting per bulan (laporan bulanan e-PPGBM)",
                            "Stunting prevalence by month (e-PPGBM monthly report)"),
    # maps (sections/maps.py)
    "h_maps": ("Peta", "Maps"),
    "map_families_title": ("Keluarga miskin ekstrem per kelurahan, {period}",
                           "Extreme-poor families by kelurahan, {period}"),
    "map_families_title_kabkota": ("Keluarga miskin ekstrem per kabupaten/kota, {period}",
                                   "Extreme-poor families by regency/city, {period}"),
    "families_legend": ("Jumlah keluarga", "Families"),
    "maps_note": (
        "Kelas memuat batas bawahnya, tidak batas atasnya (10–15% = 10% sampai di bawah 15%). Diarsir: angka "
        "tidak andal (RSE > {caution_max_rse}%); abu-abu: disembunyikan (jumlah kecil); bergaris hitam tebal: "
        "kelurahan fokus.",
        "A class holds its lower limit, not its upper one (10–15% = 10% to below 15%). Hatched: unreliable "
        "(RSE > {caution_max_rse}%); grey: hidden (small counts); thick black outline: focus kelurahan."),
    # since the previous rakor
    "h_since_previous": ("Sejak rakor sebelumnya", "Since the previous rakor"),
    "no_previous": ("Belum ada rakor sebelumnya dalam riwayat; perubahan akan tampil mulai rakor berikutnya.",
                    "No earlier rakor in the history yet; changes will show from the next rakor on."),
    "since_previous_caption": ("Angka rakor ini dan rakor sebelumnya (riwayat)",
                               "Figures of this and the previous rakor (history)"),
    # poverty
    "h_poverty": ("Kemiskinan", "Poverty"),
    "poverty_note": (
        "{lines}, per kapita per bulan (config/poverty_lines.csv). Estimasi langsung survei rumah tangga "
        "dengan desain strata dan blok sensus; kemiskinan ekstrem dengan IK {ci_method_rare_name}.",
        "{lines}, per person per month (config/poverty_lines.csv). Direct household-survey estimates with "
        "strata and census-block clusters; extreme poverty with {ci_method_rare_name} CIs."),
    "h_small_area": ("Estimasi area kecil kemiskinan per kelurahan", "Small-area poverty estimates by kelurahan"),
    "h_focus": ("Kelurahan fokus: target nol kemiskinan ekstrem", "Focus kelurahan: zero extreme poverty"),
    # the 100 days (issue 19)
    "h_hundred_days": ("100 hari: nol kemiskinan ekstrem di kelurahan fokus",
                       "The 100 days: zero extreme poverty in the focus kelurahan"),
    "hundred_days_lead": (
        "Hari ke-{elapsed} dari {days} (mulai {start}); sisa {left} hari sampai {deadline}. Tanggal rakor {today}.",
        "Day {elapsed} of {days} (from {start}); {left} days left until {deadline}. Rakor date {today}."),
    "hundred_days_passed": ("Batas {days} hari ({deadline}) sudah lewat.",
                            "The {days}-day deadline ({deadline}) has passed."),
    "burndown_title": ("Sisa keluarga miskin ekstrem menuju nol pada hari ke-{days}",
                       "Extreme-poor families remaining, against zero on day {days}"),
    "on_track": ("**{name}**: sesuai jalur. Laju sekarang {pace} keluarga per minggu cukup untuk nol "
                 "pada {date}, sebelum batas.",
                 "**{name}**: on track. The current pace of {pace} families a week reaches zero on {date}, "
                 "before the deadline."),
    "off_track": ("**{name}**: perlu {need} keluarga per minggu; laju sekarang {pace}. {projection}",
                  "**{name}**: needs {need} families a week; the current pace is {pace}. {projection}"),
    "projection_date": ("Dengan laju ini, nol tercapai pada {date}.", "At this pace zero is reached on {date}."),
    "projection_never": ("Dengan laju ini, nol tidak tercapai.", "At this pace zero is never reached."),
    "at_zero": ("**{name}**: sudah nol keluarga miskin ekstrem.", "**{name}**: no extreme-poor family remains."),
    "pace_hidden": ("**{name}**: perlu {need} keluarga per minggu; laju sekarang disembunyikan (jumlah kecil).",
                    "**{name}**: needs {need} families a week; the current pace is hidden (small counts)."),
    "track_hidden": ("**{name}**: angka disembunyikan (jumlah kecil).",
                     "**{name}**: figures hidden (small counts)."),
    "hundred_days_note": (
        "Sisa = terverifikasi + menunggu verifikasi. Tuntas = keluarga yang keluar dari hitungan sejak hari "
        "ke-0 (pendataan RT: tidak memenuhi kriteria; hasil verifikasi: tidak memenuhi, pindah, meninggal), "
        "menurut tanggal pendataan dan tanggal verifikasi. Laju sekarang = tuntas ÷ minggu berjalan. "
        "Batas atas survei = batas atas IK 95% angka kemiskinan ekstrem kelurahan × keluarga DTSEN.",
        "Remaining = verified + awaiting verification. Cleared = families that left the count since day 0 "
        "(RT listing: criteria not met; verification: not met, moved, died), by listing and verification "
        "date. Current pace = cleared ÷ weeks elapsed. Survey upper bound = the upper 95% CI limit of the "
        "kelurahan's extreme poverty rate × its DTSEN families."),
    # timeliness (issue 19)
    "h_timeliness": ("Kedisiplinan waktu data", "Timeliness of the data"),
    "timeliness_note": (
        "Umur data = hari dari akhir periode data berkas sampai tanggal rakor. Data susulan (bulan-bulan "
        "lebih awal dalam berkas yang sama) ditandai, tidak disembunyikan.",
        "Data age = days from the end of the file's data period to the rakor date. Back-filled data "
        "(earlier months in the same file) is marked, never hidden."),
    "report_delay_note": (
        "Keterlambatan laporan bulanan e-PPGBM = hari dari akhir bulan laporan sampai Waktu_Input; median "
        "per puskesmas, bulan terakhir.",
        "Monthly e-PPGBM report delay = days from the end of the report month to Waktu_Input; median per "
        "puskesmas, latest month."),
    "turnaround_note": ("Lama verifikasi = median hari dari terbitnya daftar verifikasi sampai hasilnya.",
                        "Verification turnaround = median days from a worklist's issue to its result."),
    "focus_note": ("Target nol tercapai hanya bila jumlah keluarga miskin ekstrem terverifikasi nol.",
                   "The zero target is met only when no verified extreme-poor family remains."),
    # reconciliation and convergence
    "h_reconciliation": ("Penyandingan data antar-OPD", "Reconciliation across agencies"),
    "reconciliation_note": (
        "Keluarga dihitung sekali setelah dicocokkan antar-daftar (No. KK, NIK, atau nama + tanggal "
        "lahir + kelurahan). Selisih antar-daftar masuk daftar verifikasi by-name untuk lurah dan RT "
        "(keluaran terbatas, tidak dimuat di brief). ",
        "Families are counted once after matching across lists (No. KK, NIK, or name + birth date + "
        "kelurahan). Disagreements go to by-name verification worklists for the lurah and RT "
        "(restricted output, not in this brief). "),
    "conflicts_sentence": ("{n} pencocokan antar-daftar perlu ditinjau petugas (skor nama di bawah ambang).",
                           "{n} matches between lists need review (name score below threshold)."),
    "overlap_title": ("Keluarga menurut daftar tempat tercatat", "Families by the lists they appear on"),
    "families": ("Keluarga", "Families"),
    "h_convergence": ("Konvergensi stunting dan kemiskinan", "Stunting and poverty together"),
    "convergence_text": (
        "Dari {stunted} balita stunting, {extreme} tinggal di keluarga miskin ekstrem dan {poor} di keluarga "
        "miskin (DTSEN desil 1–{poor_max_desil}). Register mencatat {risk} keluarga berisiko stunting; "
        "{risk_stunted} di antaranya memiliki balita stunting. Keluarga ini sasaran bersama program "
        "kemiskinan dan percepatan penurunan stunting.",
        "Of {stunted} stunted children, {extreme} live in extremely poor families and {poor} in poor families "
        "(DTSEN deciles 1–{poor_max_desil}). The register lists {risk} families at risk of stunting; "
        "{risk_stunted} of them have a stunted child. These families are a shared target of the poverty "
        "and stunting programmes."),
    # targeting
    "h_targeting": ("Ketepatan sasaran program", "Programme targeting"),
    "targeting_note": ("Cakupan: bagian keluarga sasaran (menurut config) yang menerima program. Bocor: bagian "
                       "penerima di luar kelompok sasaran.",
                       "Coverage: share of the target families (as configured) reached. Leakage: share of "
                       "beneficiaries outside the target group."),
    "incentive_recipients": ("Penerima insentif: ", "Incentive recipients: "),
    # data quality
    "h_quality": ("Kualitas data", "Data quality"),
    "z_check_caption": (
        "Pemeriksaan z-skor aplikasi e-PPGBM (ZS TB/U) terhadap perhitungan ulang WHO 2006, per puskesmas",
        "The e-PPGBM app's own z-scores (ZS TB/U) checked against a WHO 2006 recomputation, by puskesmas"),
    "plausibility_text": (
        "Skor plausibilitas ENA-SMART data antropometri: **{score}** ({rating}; 0–9 sangat baik, 10–14 baik, "
        "15–24 cukup, ≥25 bermasalah).",
        "ENA-SMART plausibility score of the anthropometry: **{score}** ({rating}; 0–9 excellent, 10–14 good, "
        "15–24 acceptable, ≥25 problematic)."),
    "rejected_caption": ("Baris yang ditolak saat pembersihan (seluruh kota), menurut alasan",
                         "Rows rejected at cleaning (whole city), by reason"),
    "rejected_note": ("Setiap baris yang ditolak tercatat di data/processed/rejects.parquet dengan berkas, "
                      "baris, kolom, nilai dan alasan.",
                      "Every rejected row is listed in data/processed/rejects.parquet with file, row, "
                      "column, value and reason."),
    "source_missing": ("⚠ Sumber tidak tersedia untuk periode ini: ", "⚠ Source not available for this period: "),
    # methods
    "h_methods": ("Metode dan catatan", "Methods and caveats"),
    "methods_text": (
        "- z-skor antropometri menurut Standar Pertumbuhan Anak WHO 2006 (Permenkes 2/2020), dengan aturan "
        "WHO anthro: umur dalam hari, koreksi posisi ukur 0,7 cm, z dibulatkan 2 desimal sebelum batas; "
        "z-skor yang tidak masuk akal (flag) dikeluarkan dari prevalensi.\n"
        "- Prevalensi dengan interval kepercayaan 95% metode {ci_method} (sama dengan paket R `survey`, "
        "`svyciprop`); kemiskinan ekstrem dengan metode {ci_method_rare} karena kasusnya jarang; "
        "jumlah kasus nol tetap punya batas atas.\n"
        "- e-PPGBM hampir sensus: jumlah adalah hitungan tepat; IK prevalensi memperlakukan anak sebagai "
        "sampel dari proses yang menghasilkan stunting.\n"
        "- Kemiskinan: estimasi langsung survei (strata, blok sensus, penimbang; linearisasi Taylor). "
        "Kelurahan: estimasi area kecil Fay-Herriot dengan kovariat dari register.\n"
        "- Keandalan: RSE ≤ {reliable_max_rse}% andal, ≤ {caution_max_rse}% hati-hati (*), di atasnya "
        "tidak andal (†).\n"
        "- Sel kecil ({small_range} orang/keluarga) ditampilkan sebagai \"<{min_cell}\" untuk melindungi "
        "data pribadi.",
        "- Anthropometric z-scores by the WHO 2006 Child Growth Standards (Permenkes 2/2020), with WHO anthro's "
        "rules: age in days, 0.7 cm position adjustment, z rounded to 2 decimals before cut-offs; flagged "
        "z-scores are excluded from prevalence.\n"
        "- Prevalence with 95% confidence intervals, method {ci_method} (as R's `survey` `svyciprop`); "
        "extreme poverty with {ci_method_rare} because it is rare; a zero count still has an upper bound.\n"
        "- e-PPGBM is near-census: counts are exact; the prevalence CI treats the children as a sample of the "
        "process that produces stunting.\n"
        "- Poverty: direct survey estimates (strata, census blocks, weights; Taylor linearisation). "
        "Kelurahan: Fay-Herriot small-area estimates with register covariates.\n"
        "- Reliability: RSE ≤ {reliable_max_rse}% reliable, ≤ {caution_max_rse}% use with caution (*), "
        "above unreliable (†).\n"
        "- Small cells ({small_range} persons/families) are shown as \"<{min_cell}\" to protect personal data."),
    # small-area annex
    "h_sae_annex": ("Lampiran: diagnostik model area kecil", "Annex: small-area model diagnostics"),
    "sae_model": (
        "Metode {method}; ragam efek area σ²ᵤ = {sigma2_u}; uji normalitas Shapiro-Wilk residu p = "
        "{p_residuals}, efek area p = {p_effects}.",
        "Method {method}; area-effect variance σ²ᵤ = {sigma2_u}; Shapiro-Wilk normality of residuals p = "
        "{p_residuals}, of area effects p = {p_effects}."),
    "sae_note": ("γ dekat 1: estimasi bersandar pada data survei kelurahan; dekat 0: pada model register. "
                 "Residu baku di luar ±2 menandai kelurahan yang tidak cocok dengan model.",
                 "γ near 1: the estimate leans on the kelurahan's survey data; near 0: on the register "
                 "model. Standardised residuals beyond ±2 flag kelurahan the model fits poorly."),
    # footer
    "footer_input": ("<li><code>{file}</code> sha256 {sha}… ({rows} baris)</li>",
                     "<li><code>{file}</code> sha256 {sha}… ({rows} rows)</li>"),
    "footer_head": ("Jejak data: berkas masukan dan versi kode. Pemeriksa dapat mengulang semua angka dengan "
                    "<code>rakor verify reports/{period}</code>.",
                    "Provenance: input files and code version. A reviewer re-runs every figure with "
                    "<code>rakor verify reports/{period}</code>."),
    "code_version": ("Versi kode", "Code version"),
    # figures and rendering
    "period_axis": ("Periode", "Period"),
    # kelurahan brief (sections/kelurahan.py) and the annex (briefs/annex.py)
    "kel_title": ("Brief rakor kelurahan: stunting dan kemiskinan ekstrem",
                  "Kelurahan rakor brief: stunting and extreme poverty"),
    "kel_prefix": ("Kelurahan ", "Kelurahan "),
    "desa_prefix": ("Desa ", "Desa "),
    "kel_focus_note": ("Kelurahan ini termasuk kelurahan fokus target nol miskin ekstrem.",
                       "This is a focus kelurahan of the zero-extreme-poverty target."),
    "kel_h_stunting": ("Stunting", "Stunting"),
    "kel_stunting_note": ("Prevalensi stunting balita yang diukur (%), dengan interval kepercayaan 95% dalam kurung, "
                          "per putaran penimbangan e-PPGBM.",
                          "Stunting prevalence among children measured (%), 95% confidence interval in brackets, "
                          "by e-PPGBM weighing round."),
    "kel_h_stunting_posyandu": ("Balita stunting per posyandu", "Stunted children by posyandu"),
    "kel_h_stunting_rt": ("Balita stunting per RT (terbanyak)", "Stunted children by RT (most first)"),
    "kel_unknown": ("tidak diketahui", "unknown"),
    "kel_more_rows": ("{n} baris lain ada di lampiran.xlsx.", "{n} more rows are in lampiran.xlsx."),
    "kel_h_extreme": ("Keluarga miskin ekstrem per RT", "Extreme-poor families by RT"),
    "kel_total": ("Jumlah kelurahan", "Kelurahan total"),
    "kel_extreme_note": ("Menunggu verifikasi: desil 1 DTSEN atau calon pendataan RT yang belum diperiksa; "
                         "RT dengan calon terbanyak di atas.",
                         "Awaiting verification: DTSEN decile 1 or RT-listing candidates not yet checked; "
                         "RT with the most candidates first."),
    "kel_programmes_note": ("Cakupan: bagian keluarga sasaran (menurut config) yang menerima program.",
                            "Coverage: share of the target families (per config) the programme reaches."),
    "kel_h_programmes": ("Cakupan program", "Programme coverage"),
    "kel_h_week": ("Yang perlu diverifikasi minggu ini", "To verify this week"),
    "kel_week_unverified": ("{n} keluarga calon miskin ekstrem menunggu verifikasi",
                            "{n} extreme-poor candidate families awaiting verification"),
    "kel_week_rt_only": ("{n} keluarga dari pendataan RT yang tidak ada di DTSEN",
                         "{n} RT-listed families not in DTSEN"),
    "kel_week_dtsen_only": ("{n} keluarga desil 1 DTSEN yang belum didata RT",
                            "{n} DTSEN decile-1 families not yet listed by the RT"),
    "kel_week_conflicts": ("{n} data yang saling bertentangan antar-sumber",
                           "{n} records conflicting between sources"),
    "kel_week_top_rt": ("Mulai dari RT {rt} (calon terbanyak)", "Start with RT {rt} (most candidates)"),
    "kel_week_note": ("Nama dan alamat hanya ada di daftar kerja terbatas "
                      "<code>restricted/verifikasi_{code}.xlsx</code> (hanya untuk petugas).",
                      "Names and addresses are only in the restricted worklist "
                      "<code>restricted/verifikasi_{code}.xlsx</code> (officers only)."),
    "kel_footer": ("{n} berkas masukan, dengan sha256, tercatat di manifest.json laporan ini.",
                   "{n} input files, with their sha256, are listed in this report's manifest.json."),
    "annex_title": ("Lampiran angka rakor {period}", "Rakor figures annex {period}"),
    "annex_readme": ("Setiap baris adalah satu angka dari tabel estimasi. Kolom source, estimate, n dan unit "
                     "dipertahankan untuk pemeriksaan. Angka yang disembunyikan (jumlah kecil) dikosongkan; "
                     "kolom Catatan menunjukkan \"<{min_cell}\" (jumlah kecil) atau \"*\" (disembunyikan agar "
                     "jumlah kecil tidak dapat dihitung dari total). Persen dan desimal ditampilkan dengan "
                     "koma oleh Excel berbahasa Indonesia.",
                     "Each row is one figure of the estimates table. The columns source, estimate, n and unit "
                     "are kept for checking. Hidden figures (small counts) are blank; the Note column shows "
                     "\"<{min_cell}\" (a small count) or \"*\" (hidden so that a small count cannot be derived "
                     "from a total). Excel shows decimal commas in an Indonesian locale."),
    "annex_sheet_stunting": ("stunting", "stunting"), "annex_sheet_poverty": ("kemiskinan", "poverty"),
    "annex_sheet_tracker": ("pelacak_miskin_ekstrem", "extreme_poverty_tracker"),
    "annex_sheet_programmes": ("program", "programmes"), "annex_sheet_quality": ("kualitas_data", "data_quality"),
    "annex_sheet_readme": ("keterangan", "readme"),
}

PLOT_TEXT: dict[str, Pair] = {  # words of the figures and their alt texts
    "source": ("Sumber", "Source"), "estimate": ("perkiraan", "estimate"), "ci": ("IK 95%", "95% CI"),
    "unreliable": ("tidak andal", "unreliable"), "caution": ("hati-hati", "use with caution"),
    "only": ("hanya {x}", "{x} only"), "highest": ("tertinggi", "highest"), "lowest": ("terendah", "lowest"),
    "refs": ("garis acuan", "reference lines"),
    "age_profile": ("Diagram titik per kelompok umur dengan IK 95%", "Dot chart by age group with 95% CIs"),
    "forest": ("Diagram titik dengan interval kepercayaan 95% untuk",
               "Dot plot with 95% confidence intervals for"),
    "rows": ("baris", "rows"), "trend": ("Tren", "Trend"), "bars": ("Diagram batang", "Bar chart"),
    "hidden": ("disembunyikan", "hidden"), "count": ("Jumlah", "Count"), "percent": ("Persen", "Percent"),
    "combo": ("Kombinasi sumber", "Source combination"),
    "remaining": ("sisa keluarga", "families remaining"), "to_zero": ("garis menuju nol", "line to zero"),
    "rakor": ("tanggal rakor", "rakor date"), "upper_bound": ("batas atas survei", "survey upper bound"),
    # maps (briefs/maps.py): the alt text starts with "map"
    "map": ("Peta", "Map"), "classes": ("{k} kelas: {classes}.", "{k} classes: {classes}."),
    "no_data": ("tidak ada data", "no data"), "hatched": ("diarsir", "hatched"), "grey": ("abu-abu", "grey"),
    "focus_area": ("kelurahan fokus", "focus kelurahan"), "this_area": ("wilayah brief ini", "this brief's area"),
    "outlined": ("bergaris tebal", "outlined"),
    "all_areas": ("semua", "all"), "and_more": ("dan {n} lainnya", "and {n} more"),
}
PAGE_WORDS: dict[str, tuple[str, str]] = {"id": ("Halaman", "dari"), "en": ("Page", "of")}

# verification loop and RT self-listing template (issue 15): words of the restricted worklist and of
# the form an RT head fills (sheets are in Bahasa Indonesia; the English is for the code's readers).
SHEET_WORDS: dict[str, tuple] = {
    "result_error_title": ("Isian tidak dikenal", "Unknown entry"),
    "result_error": ("Pilih salah satu isian dari daftar.", "Choose one entry from the list."),
    "date_error": ("Tulis tanggal, misalnya 15/03/2025.", "Write a date, e.g. 15/03/2025."),
    "yes": ("Ya", "Yes"), "no": ("Tidak", "No"),
    "rt_error": ("Pilih nomor RT kelurahan ini dari daftar.", "Choose an RT number of this kelurahan."),
    "rt_number_error": ("Tulis nomor RT dengan angka 1 sampai 999, misalnya 5.",
                        "Write the RT number as a whole number from 1 to 999, e.g. 5."),
    "yes_no_error": ("Pilih Ya atau Tidak.", "Choose Ya (yes) or Tidak (no)."),
    # The RT self-listing form (analysis.intake.templates): sheet names, the header of each column
    # (each one an alias of config/sources.yml pendataan_rt, so that a filled form is read back) and
    # the verification status words (each one a word of intake.clean._STATUS).
    "template_sheet": ("Pendataan", "Listing"), "instructions_sheet": ("Petunjuk", "Instructions"),
    "lists_sheet": ("Daftar", "Lists"), "rt_list_header": ("Nomor RT", "RT numbers"),
    "template_headers": ({"no_kk": "No KK", "nik_kepala": "NIK Kepala Keluarga",
                          "nama_kepala": "Nama Kepala Keluarga", "rt": "RT", "rw": "RW", "alamat": "Alamat",
                          "status_verifikasi": "Status Verifikasi", "petugas": "Petugas",
                          "tanggal_pendataan": "Tanggal Pendataan"},
                         {"no_kk": "Family card no.", "nik_kepala": "Head's NIK", "nama_kepala": "Head's name",
                          "rt": "RT", "rw": "RW", "alamat": "Address", "status_verifikasi": "Verification status",
                          "petugas": "Officer", "tanggal_pendataan": "Listing date"}),
    "status_values": (["belum", "terverifikasi", "tidak memenuhi"], ["not yet", "verified", "not meeting"]),
    "worklist_instructions": ([
        "PETUNJUK PENGISIAN DAFTAR VERIFIKASI",
        "Lembar 'verifikasi' memuat data pribadi (UU 27/2022): simpan di tempat terbatas, jangan dibagikan.",
        "Setiap baris adalah satu keluarga atau satu hal yang perlu diverifikasi. Jangan ubah kolom id_baris "
        "dan kunci_keluarga: keduanya dipakai untuk membaca kembali hasil verifikasi.",
        "Kunjungi keluarga, lalu isi kolom hasil_verifikasi dengan memilih dari daftar:",
        "  - terverifikasi miskin ekstrem: keluarga memang memenuhi kriteria miskin ekstrem;",
        "  - tidak memenuhi kriteria: keluarga tidak (lagi) miskin ekstrem;",
        "  - pindah: keluarga sudah pindah dari kelurahan ini;",
        "  - meninggal: keluarga sudah tidak ada (kepala keluarga tunggal meninggal);",
        "  - tidak ditemukan: keluarga tidak dapat ditemui; baris tetap menunggu verifikasi.",
        "Isi tanggal_verifikasi (tanggal kunjungan, misalnya 15/03/2025), petugas (nama petugas yang "
        "memverifikasi) dan catatan bila perlu.",
        "Kolom tanggal_terbit adalah tanggal daftar ini diterbitkan (rakor); jangan diubah: dipakai "
        "untuk menghitung lama verifikasi.",
        "Baris yang belum dikunjungi biarkan kosong. Jangan menambah atau menghapus kolom.",
        "Setelah selesai, simpan berkas dengan nama yang sama dan serahkan ke admin data; admin "
        "menaruhnya di folder data/raw/<...>/verifikasi/. Rakor berikutnya memakai hasilnya.",
    ], ["INSTRUCTIONS (in Bahasa Indonesia in the sheet)"]),
    # growth monitoring rows of the worklist for the posyandu cadre (issue 16): masalah -> what to do
    "2T_rujuk": ("Posyandu {posyandu}: berat badan tidak naik (T) dua bulan berturut-turut (2T); rujuk ke "
                 "puskesmas dan catat hasilnya.",
                 "Posyandu {posyandu}: weight did not go up (T) two months running (2T); refer to the "
                 "puskesmas and record the outcome."),
    "bb_u_sangat_kurang": ("Posyandu {posyandu}: berat badan sangat kurang (BB/U di bawah -3 SD); rujuk ke "
                           "puskesmas dan catat hasilnya.",
                           "Posyandu {posyandu}: severely underweight (weight-for-age below -3 SD); refer to "
                           "the puskesmas and record the outcome."),
    "template_title": ("PENDATAAN MANDIRI KELUARGA FAKIR MISKIN - KELURAHAN {name} ({code})",
                       "RT SELF-LISTING OF POOR FAMILIES - KELURAHAN {name} ({code})"),
    "template_instructions": ([
        "PETUNJUK PENGISIAN PENDATAAN MANDIRI RT",
        "Formulir ini memuat data pribadi (UU 27/2022) setelah diisi: simpan di tempat terbatas.",
        "Satu baris untuk satu keluarga. Isi No KK (16 angka), NIK dan nama kepala keluarga, RT, RW dan alamat.",
        "RT: {rt_hint}",
        "Untuk setiap kriteria pilih Ya bila keluarga memenuhi kriteria itu, Tidak bila tidak.",
        "Kriteria yang dipakai (dari pengaturan kota):",
        "{criteria}",
        "Status Verifikasi: belum (belum dicek), terverifikasi (sudah dicek, benar), "
        "tidak memenuhi (sudah dicek, tidak memenuhi kriteria).",
        "Tanggal Pendataan ditulis sebagai tanggal, misalnya 15/03/2025; Petugas diisi nama pendata.",
        "Jangan ubah baris judul kolom. Simpan berkas dengan nama yang memuat kode kelurahan "
        "({code_file}), lalu serahkan ke admin data untuk folder data/raw/<...>/pendataan_rt/.",
    ], ["INSTRUCTIONS (in Bahasa Indonesia in the sheet)"]),
    "template_rt_listed": ("pilih nomor RT dari daftar (RT yang sudah dikenal di data kelurahan ini: {rts}); "
                           "RT baru boleh ditulis, Excel akan meminta konfirmasi.",
                           "choose the RT from the list (the RTs known in this kelurahan's data)"),
    "template_rt_free": ("tulis nomor RT dengan angka (1 sampai 999), misalnya 5.",
                         "write the RT number (1 to 999)"),
}

# Every (id, en) table above, by group name (for :func:`labels` and the tests).
#: Words of the region's kind (keys as :func:`analysis.intake.gazetteer.area_words` returns them).
REGION_WORDS: dict[str, Pair] = {
    "region_kota": ("Kota", "City"), "region_kabupaten": ("Kabupaten", "Regency"),
    "region_provinsi": ("Provinsi", "Province"),
    "head_kota": ("Wali Kota", "Mayor"), "head_kabupaten": ("Bupati", "Regent"),
    "head_provinsi": ("Gubernur", "Governor"),
    "village_kelurahan": ("kelurahan", "kelurahan"), "village_desa": ("desa", "desa"),
    "village_desa_kelurahan": ("desa/kelurahan", "desa/kelurahan"),
}

GROUPS: dict[str, dict[str, Pair]] = {
    "indicator": INDICATORS, "subject": SUBJECTS, "reliability": RELIABILITY, "note": NOTES,
    "header": HEADERS, "source_name": SOURCES, "quality_check": QUALITY_CHECKS, "sae_column": SAE_COLUMNS,
    "text": TEXT, "plot": PLOT_TEXT,
}


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is a brief language.

    Parameters
    ----------
    lang
        ``"id"`` or ``"en"``.

    Returns
    -------
    str
        ``lang`` unchanged.

    Raises
    ------
    RakorInputError
        For any other value.
    """
    if lang not in LANGS:
        raise RakorInputError(f"language must be one of {', '.join(LANGS)}; got {lang!r}")
    return lang


def pick(pair: Pair, lang: str) -> str:
    """The ``lang`` side of an ``(id, en)`` pair, in the configured region's words.

    For a region that is not a kota of kelurahan, the words "kota"/"Kota" ("city"/"City") and
    "kelurahan"/"Kelurahan" become the region's (:func:`region_words`: "kabupaten", "desa"...).

    Parameters
    ----------
    pair
        ``(Indonesian, English)``.
    lang
        ``"id"`` or ``"en"``.

    Returns
    -------
    str
    """
    word = pair[LANGS.index(check_lang(lang))]
    subs = _substitutions(lang)
    return word if subs is None or not any(k in word for k in ("kota", "Kota", "city", "City", "elurahan")) \
        else subs[0].sub(lambda m: subs[1][m.group(0)], word)


def region_words(lang: str = "id", code: str | None = None) -> dict[str, str]:
    """The words of a region's kind in ``lang``.

    Parameters
    ----------
    lang
        ``"id"`` or ``"en"``.
    code
        Kemendagri code of the region; default ``settings.yml: region.code``.

    Returns
    -------
    dict
        ``region`` ("Kota", "Kabupaten", "Provinsi"), ``head`` ("Wali Kota", "Bupati",
        "Gubernur"), ``village`` ("kelurahan", "desa" or "desa/kelurahan" when both occur).

    Examples
    --------
    >>> region_words("id", "62.08")["head"]  # doctest: +SKIP
    'Bupati'
    """
    from analysis.intake.gazetteer import area_words

    if code is None:
        from analysis import config

        code = str(config.settings()["region"]["code"])
    keys = area_words(code)
    i = LANGS.index(check_lang(lang))
    return {k: REGION_WORDS[v][i] for k, v in keys.items()}


_SUBS: dict[tuple[str, str], Any] = {}


def _substitutions(lang: str) -> tuple[Any, dict[str, str]] | None:
    """(pattern, replacements) that put the configured region's words into a label; ``None`` for a
    kota of kelurahan (the labels' own words). Built once per region and language."""
    import re

    from analysis import config

    code = str(config.settings()["region"]["code"])
    if (code, lang) not in _SUBS:
        w = region_words(lang, code)
        region, village = w["region"], w["village"]
        words = {}
        if region != pick_raw(REGION_WORDS["region_kota"], lang):
            kota, city = ("kota", "Kota") if lang == "id" else ("city", "City")
            words |= {kota: region.lower(), city: region}
        if village != "kelurahan":
            words |= {"kelurahan": village, "Kelurahan": village[0].upper() + village[1:]}
        # "kab/kota" ("regency/city") names the kab/kota of a province and keeps its words
        _SUBS[(code, lang)] = (re.compile(r"(?<!/)\b(" + "|".join(words) + r")\b"), words) if words else None
    return _SUBS[(code, lang)]


def village_prefix(code: str, lang: str) -> str:
    """``"Desa "`` or ``"Kelurahan "`` before one area's name, from its own code (the fourth part
    ``1xxx`` a kelurahan, ``2xxx`` a desa), whatever mix of both its region has.

    Examples
    --------
    >>> village_prefix("62.08.01.2003", "id"), village_prefix("62.08.01.1001", "en")
    ('Desa ', 'Kelurahan ')
    """
    desa = str(code).rsplit(".", 1)[-1].startswith("2")
    return pick_raw(TEXT["desa_prefix" if desa else "kel_prefix"], lang)


def pick_raw(pair: Pair, lang: str) -> str:
    """The ``lang`` side of a pair as written (no region words put in; see :func:`pick`)."""
    return pair[LANGS.index(check_lang(lang))]


def policy(settings: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The policy values a sentence may state, from ``config/settings.yml``.

    Parameters
    ----------
    settings
        The settings mapping; default :func:`analysis.config.settings`.

    Returns
    -------
    dict
        ``min_cell`` (5), ``small_range`` ("1–4", i.e. 1 to ``min_cell − 1``), ``reliable_max_rse``,
        ``caution_max_rse``, ``ci_method`` and ``ci_method_rare`` (configuration keys),
        ``ci_method_name`` and ``ci_method_rare_name`` (display names, :data:`CI_METHOD_NAMES`),
        ``poor_max_desil``.
    """
    if settings is None:
        from analysis import config

        settings = config.settings()
    min_cell = int(settings["privacy"]["min_cell"])
    est = settings["estimation"]
    rare = str(est["ci_method_rare"])
    return {
        "min_cell": min_cell,
        "small_range": f"1{DASH}{min_cell - 1}" if min_cell > 2 else "1",
        "reliable_max_rse": est["reliability"]["reliable_max_rse"],
        "caution_max_rse": est["reliability"]["caution_max_rse"],
        "ci_method": est["ci_method"],
        "ci_method_rare": rare,
        "ci_method_name": CI_METHOD_NAMES.get(str(est["ci_method"]), str(est["ci_method"])),
        "ci_method_rare_name": CI_METHOD_NAMES.get(rare, rare),
        "poor_max_desil": settings.get("convergence", {}).get("poor_max_desil"),
    }


def text(key: str, lang: str = "id", **values: Any) -> str:
    """A sentence or word of :data:`TEXT` in ``lang``, with its values filled in.

    Parameters
    ----------
    key
        Key of :data:`TEXT`.
    lang
        ``"id"`` or ``"en"``.
    **values
        Values for the template's braces; policy values (:func:`policy`) are filled in
        automatically when the template names them.

    Returns
    -------
    str

    Examples
    --------
    >>> text("h_poverty", "en")
    'Poverty'
    """
    template = pick(TEXT[key], lang)
    if "{" not in template:
        return template
    fields = dict(policy()) if _needs_policy(template, values) else {}
    fields.update(values)
    return template.format(**fields)


_POLICY_KEYS = ("min_cell", "small_range", "reliable_max_rse", "caution_max_rse", "ci_method",
                "ci_method_rare", "ci_method_name", "ci_method_rare_name", "poor_max_desil")


def _needs_policy(template: str, values: Mapping[str, Any]) -> bool:
    return any("{" + k + "}" in template and k not in values for k in _POLICY_KEYS)


def note(value: Any, lang: str = "id") -> str:
    """A status or rating stored in ``note`` (Indonesian) in ``lang``; unknown labels unchanged.

    Parameters
    ----------
    value
        The ``note`` of an estimates-table row ("tercapai", "baik", …).
    lang
        ``"id"`` or ``"en"``.

    Returns
    -------
    str
    """
    pair = NOTES.get(value)
    return value if pair is None else pick(pair, lang)


def source_name(source: str, lang: str = "id") -> str:
    """Display name of a data source (``"eppgbm"`` → ``"e-PPGBM"``); unknown keys unchanged.

    Parameters
    ----------
    source
        A ``source`` of the estimates table.
    lang
        ``"id"`` or ``"en"``.

    Returns
    -------
    str
    """
    pair = SOURCES.get(source)
    return source if pair is None else pick(pair, lang)


def labels(lang: str = "id") -> dict[str, dict[str, str]]:
    """All labels of one language, by group (``indicator``, ``header``, ``text``, …).

    Parameters
    ----------
    lang
        ``"id"`` or ``"en"``.

    Returns
    -------
    dict
        A fresh ``{group: {key: label}}``; the ``text`` group has the policy values filled in
        where a template needs nothing else (e.g. ``suppressed_note``).
    """
    check_lang(lang)
    out = {group: {k: pick(v, lang) for k, v in table.items()} for group, table in GROUPS.items()}
    pol = policy()
    for key, template in out["text"].items():
        try:
            out["text"][key] = template.format(**pol) if "{" in template else template
        except (KeyError, IndexError):
            pass  # a template with other values: filled in by text(key, lang, ...)
    return out


__all__ = [
    "LANGS", "MONTHS", "MONTHS_SHORT", "MISSING", "SEPARATORS", "CI_METHOD_NAMES", "INDICATORS", "SUBJECTS", "RELIABILITY",
    "NOTES", "HEADERS", "SOURCES", "OVERLAP_SOURCES", "QUALITY_CHECKS", "SAE_COLUMNS", "TEXT", "PLOT_TEXT",
    "PAGE_WORDS", "SHEET_WORDS", "REGION_WORDS", "GROUPS", "check_lang", "pick", "pick_raw", "policy", "text", "note",
    "source_name", "labels", "region_words",
]
