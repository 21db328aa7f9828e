"""Words of the command line (themoon/cli.py, themoon/ops): its own checks of flags."""

PAIRS: dict[str, tuple[str, str]] = {
    "cli.key_file_unusable": ("{reason}", "백업 키 파일을 쓸 수 없습니다"),
    # --- themoon/ops/__init__.py -------------------------------------------------------------------
    "cli.must_be_at_least_1": ("must be at least 1", "1 이상이어야 합니다"),
    "cli.is_not_a_whole_number": ("'{raw}' is not a whole number", "'{raw}'은(는) 정수가 아닙니다"),
    "cli.is_not_a_whole_number_2": ("'{explicit}' is not a whole number", "정수가 아닙니다"),
    # --- themoon/ops/cli.py ------------------------------------------------------------------------
    "cli.only_themoon_backup_verify_takes_a": (
        "only `themoon backup verify` takes a file",
        "파일은 verify에만 줄 수 있습니다",
    ),
    "cli.give_encrypt_or_no_encrypt_not": ("give --encrypt or --no-encrypt, not both", "둘 중 하나만 주세요"),
    "cli.only_themoon_backup_create_takes_copy": (
        "only `themoon backup [create]` takes --copy-to",
        "create에만 쓸 수 있습니다",
    ),
    "cli.must_be_another_folder_than_the": ("must be another folder than the backups", "백업 폴더와 달라야 합니다"),
    # --- themoon/cli.py ----------------------------------------------------------------------------
    "cli.give_green_g_or_component_bean": ("give --green-g or --component BEAN=GRAMS", "생두량을 입력하세요"),
    "cli.give_at_least_one_field_to": ("give at least one field to change", "바꿀 항목을 하나 이상 주세요"),
    "cli.give_username_address_or_all": ("give --username, --address or --all", "--username, --address 또는 --all"),
    "cli.must_look_like_bean_number": ("'{item}' must look like BEAN=NUMBER", "'원두=숫자' 형식이어야 합니다"),
}

# Ids whose Korean leaves out a value the English names (see themoon.messages.KO_OMITS).
KO_OMITS: frozenset[str] = frozenset(
    {
        "cli.key_file_unusable",
        "cli.is_not_a_whole_number_2",
        "cli.must_look_like_bean_number",
    }
)
