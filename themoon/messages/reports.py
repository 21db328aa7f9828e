"""Report words: errors of report parameters and periods, report, table and chart titles."""

PAIRS: dict[str, tuple[str, str]] = {
    # --- themoon/reports/catalog.py ----------------------------------------------------------------
    "report.no_report_called_there_are": (
        "no report called '{name}' (there are: {names})",
        "'{name}' 보고서가 없습니다 ({names})",
    ),
    "report.must_be_true_or_false": ("must be true or false", "true 또는 false여야 합니다"),
    "report.must_be_one_line_of_at": ("must be one line of at most 200 characters", "200자 이하 한 줄이어야 합니다"),
    "report.is_out_of_range": ("is out of range", "범위를 벗어났습니다"),
    "report.must_be_a_finite_number": ("must be a finite number", "유한한 숫자여야 합니다"),
    "report.is_set_by_the_runner": ("is set by the runner{hint}", "실행기가 정하는 값입니다{hint}"),
    "report.is_not_a_parameter_of_it": (
        "is not a parameter of {report} (it takes: {known})",
        "{report}의 매개변수가 아닙니다 ({known})",
    ),
    "report.is_not_a_whole_number": ("'{value}' is not a whole number", "'{value}'은(는) 정수가 아닙니다"),
    "report.is_not_a_number": ("'{value}' is not a number", "'{value}'은(는) 숫자가 아닙니다"),
    # --- themoon/reports/periods.py ----------------------------------------------------------------
    "report.period_not_understood": (
        "'{text}' is not a {kind} like {example}, 'previous' or 'current'{why}",
        "'{text}'은(는) {example} 같은 {kind} 또는 'previous'/'current'가 아닙니다{why}",
    ),
    "report.period_years": (" (years {earliest}–9999)", " ({earliest}–9999년)"),
    "report.kind.month": ("month", "월"),
    "report.kind.week": ("week", "주"),
    "report.kind.day": ("day", "날짜"),
    "report.period.month": ("{start:%B %Y}", "{start.year}년 {start.month}월"),
    "report.period.week": (
        "week {number} of {year} ({start} – {end})",
        "{year}년 {number}주차 ({start} – {end})",
    ),
    "report.period.day": ("{start.day} {start:%B %Y}", "{start.year}년 {start.month}월 {start.day}일"),
    "report.has_not_started_yet_today_is": (
        "{period} has not started yet (today is {today})",
        "{period}은(는) 아직 시작되지 않았습니다 (오늘 {today})",
    ),
}

# Ids whose Korean leaves out a value the English names (see themoon.messages.KO_OMITS).
KO_OMITS: frozenset[str] = frozenset({})
