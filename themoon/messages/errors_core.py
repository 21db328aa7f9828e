"""Errors of the core: values (models), catalogue, stock, roasting, users, sign-in, checks of paths
and settings. Raised as `ValidationError(field, id, **values)`."""

PAIRS: dict[str, tuple[str, str]] = {
    # --- themoon/models.py -------------------------------------------------------------------------
    "error.must_be_yes_or_no": ("must be yes or no", "예/아니오 중 하나여야 합니다"),
    "error.is_required": ("is required", "필수 입력입니다"),
    "error.must_be_a_number": ("must be a number", "숫자여야 합니다"),
    "error.must_be_a_whole_number": ("must be a whole number", "정수여야 합니다"),
    "error.must_be_at_least": ("must be at least {minimum:,}", "{minimum:,} 이상이어야 합니다"),
    "error.must_be_at_most": ("must be at most {maximum:,}", "{maximum:,} 이하여야 합니다"),
    "error.is_too_large": ("is too large", "너무 큰 수입니다"),
    "error.must_be_at_least_2": ("must be at least {minimum}", "{minimum} 이상이어야 합니다"),
    "error.must_be_at_most_2": ("must be at most {maximum}", "{maximum} 이하여야 합니다"),
    "error.has_at_most_two_decimals": ("has at most two decimals", "소수점 둘째 자리까지 입력하세요"),
    "error.cannot_be_in_the_future": ("cannot be in the future", "미래 날짜는 입력할 수 없습니다"),
    "error.must_be_in_2000_or_later": ("must be in 2000 or later", "2000년 이후여야 합니다"),
    "error.must_be_at_most_characters": ("must be at most {max_len} characters", "{max_len}자 이하여야 합니다"),
    "error.contains_control_characters": ("contains control characters", "제어 문자를 포함할 수 없습니다"),
    "error.may_only_hold_letters_digits_and": (
        "may only hold letters, digits, '-', '_' and '.'",
        "영문, 숫자, '-', '_', '.'만 쓸 수 있습니다",
    ),
    "error.must_be_one_of": ("must be one of {allowed}", "{allowed} 중 하나여야 합니다"),
    "error.must_be_a_date_like_2026": ("must be a date like 2026-10-31", "2026-10-31 형식의 날짜여야 합니다"),
    # --- themoon/catalog.py ------------------------------------------------------------------------
    "error.is_not_a_known_field": ("is not a known field", "알 수 없는 항목입니다"),
    "error.unknown_bean": ("unknown bean '{ref}'", "'{ref}' 원두가 없습니다"),
    "error.a_blend_needs_at_least_one": ("a blend needs at least one bean", "블렌드에는 원두가 하나 이상 필요합니다"),
    "error.unknown_blend": ("unknown blend '{ref}'", "'{ref}' 블렌드가 없습니다"),
    "error.unknown_product": ("unknown product '{text}'", "'{text}' 제품이 없습니다"),
    "error.is_already_used": ("'{code}' is already used", "이미 있는 코드입니다"),
    "error.unknown_menu_item": ("unknown menu item '{ref}'", "'{ref}' 메뉴가 없습니다"),
    "error.is_already_used_2": ("'{code}' is already used", "'{code}' 코드는 이미 있습니다"),
    "error.is_listed_twice": ("'{code}' is listed twice", "같은 원두가 두 번 있습니다"),
    # --- themoon/inventory.py ----------------------------------------------------------------------
    "error.no_purchase": ("no purchase {purchase_id}", "해당 입고 기록이 없습니다"),
    "error.is_not_an_editable_field": ("is not an editable field", "수정할 수 없는 항목입니다"),
    "error.must_not_be_zero": ("must not be zero", "0이 아니어야 합니다"),
    "error.stock_of_would_fall_to_g": (
        "stock of {code} would fall to {balance:,} g on {day}",
        "{day}에 {code} 재고가 {balance:,} g 이 됩니다",
    ),
    "error.no_adjustment": ("no adjustment {adjustment_id}", "해당 재고 조정이 없습니다"),
    # --- themoon/roasting.py -----------------------------------------------------------------------
    "error.has_no_recipe": ("{product} has no recipe", "레시피가 없습니다"),
    "error.g_is_too_little_to_split": (
        "{total:,} g is too little to split by the recipe's parts",
        "{total:,} g은 레시피 비율로 나누기에 너무 적습니다",
    ),
    "error.must_be_less_than_the_green": (
        "must be less than the green weight ({total_green:,} g)",
        "생두량({total_green:,} g)보다 적어야 합니다",
    ),
    "error.is_not_a_known_source": ("is not a known source", "알 수 없는 출처입니다"),
    "error.the_session_has_no_batches": ("the session has no batches", "배치가 없습니다"),
    "error.batch_no_longer_exists_it_was": (
        "batch #{batch_id} no longer exists (it was deleted, perhaps on another page)",
        "배치 #{batch_id}가 더 이상 없습니다 (다른 화면에서 삭제되었을 수 있습니다)",
    ),
    "error.no_batch": ("no batch {batch_id}", "해당 배치가 없습니다"),
    "error.only_g_of_in_stock_on": (
        "only {available:,} g of {bean} in stock on {roasted_on} (asked for {grams:,} g)",
        "{roasted_on} 기준 {bean} 재고는 {available:,} g 뿐입니다 (요청 {grams:,} g)",
    ),
    "error.batch_has_no_loss_alert": ("batch {batch_id} has no loss alert", "해당 배치에 경고가 없습니다"),
    "error.is_not_in": ("{bean} is not in {product}", "{bean} 원두는 {product}에 없습니다"),
    "error.must_equal_the_per_bean_grams": (
        "must equal the per-bean grams, which add up to {total:,} g",
        "원두별 무게의 합({total:,} g)과 같아야 합니다",
    ),
    "error.is_not_a_batch_field": ("is not a batch field", "배치 항목이 아닙니다"),
    # --- themoon/users.py --------------------------------------------------------------------------
    "error.staff_can_correct_only_their_own": (
        "staff can correct only their own entries, on the day they made them",
        "직원은 당일 본인이 입력한 기록만 고칠 수 있습니다",
    ),
    "error.must_be_at_least_characters": ("must be at least {minimum} characters", "{minimum}자 이상이어야 합니다"),
    "error.must_be_at_most_200_characters": ("must be at most 200 characters", "200자 이하여야 합니다"),
    "error.does_not_match_the_password": ("does not match the password", "비밀번호가 일치하지 않습니다"),
    "error.is_already_taken": ("is already taken", "이미 있는 사용자입니다"),
    "error.unknown_user": ("unknown user '{username}'", "없는 사용자입니다"),
    "error.the_last_owner_cannot_be_removed": ("the last owner cannot be removed", "마지막 점주는 바꿀 수 없습니다"),
    "error.an_owner_already_exists_sign_in": ("an owner already exists: sign in", "이미 점주 계정이 있습니다"),
    # --- themoon/signin.py -------------------------------------------------------------------------
    "error.name_a_username_an_address_or": (
        "name a username, an address, or all",
        "사용자, 주소 또는 전체를 지정하세요",
    ),
    "error.too_many_wrong_codes_try_again": (
        "too many wrong codes: try again in {wait} s",
        "잘못된 코드가 너무 많습니다: {wait}초 후에 다시 시도하세요",
    ),
    "error.is_not_a_valid_setup_code": (
        "is not a valid setup code (`themoon init` and `themoon serve` print one; it works once and expires)",
        "올바른 설정 코드가 아닙니다 (`themoon init`·`themoon serve`가 출력합니다. 한 번만 쓸 수 있고 만료됩니다)",
    ),
    "error.was_used_meanwhile": ("was used meanwhile", "방금 사용된 코드입니다"),
    # --- themoon/checks.py -------------------------------------------------------------------------
    "error.is_a_directory_not_a_database": (
        "{path} is a directory, not a database file",
        "데이터베이스 파일이 아닙니다",
    ),
    "error.no_database_at_run_themoon_init": (
        "no database at {path} (run `themoon init` first)",
        "{path}에 데이터베이스가 없습니다",
    ),
    "error.exists_and_is_not_a_directory": ("{path} exists and is not a directory", "디렉터리가 아닙니다"),
    "error.is_not_an_existing_directory": ("{path} is not an existing directory", "존재하는 디렉터리가 아닙니다"),
    "error.is_not_writable": ("{path} is not writable", "쓸 수 없는 디렉터리입니다"),
    "error.does_not_exist_or_is_not": ("{path} does not exist or is not a file", "파일이 없습니다"),
    "error.is_not_readable": ("{path} is not readable", "읽을 수 없는 파일입니다"),
    "error.must_end_with": ("must end with {suffixes}", "{suffixes} 파일이어야 합니다"),
    "error.is_a_directory": ("{path} is a directory", "디렉터리입니다"),
    "error.folder_does_not_exist": ("folder {folder} does not exist", "폴더가 없습니다"),
    "error.would_overwrite_the_database_itself": ("would overwrite the database itself", "데이터베이스를 덮어씁니다"),
    "error.must_be_an_absolute_path_of": (
        "must be an absolute path of letters, digits and . _ - / only",
        "영문자, 숫자, . _ - / 로 된 절대 경로여야 합니다",
    ),
    "error.must_be_a_system_user_name": (
        "must be a system user name (a-z, 0-9, _ and -, at most 32)",
        "시스템 사용자 이름이어야 합니다",
    ),
    # --- themoon/cost_settings.py ------------------------------------------------------------------
    "error.the_plausible_loss_band_must_go": (
        "the plausible loss band must go from a lower to a higher percentage",
        "정상 손실률 범위는 낮은 값에서 높은 값으로 정해야 합니다",
    ),
    "error.is_not_a_cost_setting": ("is not a cost setting", "비용 설정 항목이 아닙니다"),
    # --- themoon/terms.py --------------------------------------------------------------------------
    "error.must_be_one_of_2": ("must be one of {kinds}", "{kinds} 중 하나여야 합니다"),
}

# Ids whose Korean leaves out a value the English names (see themoon.messages.KO_OMITS).
KO_OMITS: frozenset[str] = frozenset(
    {
        "error.batch_has_no_loss_alert",
        "error.does_not_exist_or_is_not",
        "error.exists_and_is_not_a_directory",
        "error.folder_does_not_exist",
        "error.has_no_recipe",
        "error.is_a_directory",
        "error.is_a_directory_not_a_database",
        "error.is_already_used",
        "error.is_listed_twice",
        "error.is_not_an_existing_directory",
        "error.is_not_readable",
        "error.is_not_writable",
        "error.no_adjustment",
        "error.no_batch",
        "error.no_purchase",
        "error.unknown_user",
    }
)
