"""keyslots.json: the data key wrapped under the passphrase and the recovery code.

Unit behaviour of the wrapping, the recovery code format, the KDF floor and the raw-key checks.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re
import stat
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CHEAP_KDF, PASSPHRASE
from therapy_desk.errors import VaultDamaged, WrongPassphrase, WrongRecoveryCode
from therapy_desk.storage import db
from therapy_desk.storage.keyslots import (
    DATA_KEY_BYTES,
    KDF_FLOOR,
    KEYSLOTS_FILE,
    RECOVERY_CODE_BITS,
    KdfParams,
    Keyslots,
    calibrate,
    generate_recovery_code,
    key_hex,
    new_data_key,
    normalize_recovery_code,
)
from therapy_desk.storage.vault import Vault

RECOVERY_CODE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){6}")
CANONICAL_CODE = "0123-4567-89AB-CDEF-GHJK-MNPQ-RST1"
# A cost with room below it in every field, so an edit in the file can make it weaker.
ROOMY_KDF = KdfParams(time_cost=2, memory_kib=64, parallelism=2)


def _keyslots_with_passphrase(data_key: bytes | bytearray, params: KdfParams = CHEAP_KDF) -> Keyslots:
    slots = Keyslots.new(data_key)
    return slots.with_slot(slots.wrap("passphrase", PASSPHRASE, data_key, params))


def _canonical(obj: object) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _rewrite_with_valid_checksum(path: Path, edit: Any) -> None:
    """Edit the parsed keyslots.json and save it with a freshly computed checksum."""
    body = json.loads(path.read_bytes())
    body.pop("checksum")
    edit(body)
    body["checksum"] = hashlib.sha256(_canonical(body)).hexdigest()
    path.write_bytes(json.dumps(body, indent=2, sort_keys=True).encode("ascii") + b"\n")


# -- wrapping ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["passphrase", "recovery"])
def test_wrapped_data_key_unwraps_with_the_same_secret(kind: str) -> None:
    data_key = new_data_key()
    slots = Keyslots.new(data_key)
    slots = slots.with_slot(slots.wrap(kind, "the secret for this slot", data_key, CHEAP_KDF))  # type: ignore[arg-type]

    assert slots.unwrap(kind, "the secret for this slot") == data_key  # type: ignore[arg-type]


def test_wrong_passphrase_raises_wrong_passphrase_with_a_sentence() -> None:
    slots = _keyslots_with_passphrase(new_data_key())

    with pytest.raises(WrongPassphrase, match="does not unlock this vault"):
        slots.unwrap("passphrase", PASSPHRASE + "!")


def test_wrong_recovery_code_raises_wrong_recovery_code() -> None:
    data_key = new_data_key()
    code = generate_recovery_code()
    slots = Keyslots.new(data_key)
    slots = slots.with_slot(slots.wrap("recovery", code, data_key, CHEAP_KDF))
    other = generate_recovery_code()
    assert other != code

    with pytest.raises(WrongRecoveryCode, match="Recovery Kit"):
        slots.unwrap("recovery", other)
    assert slots.unwrap("recovery", code) == data_key


def test_unwrapping_a_slot_that_does_not_exist_is_a_wrong_secret_not_a_crash() -> None:
    slots = _keyslots_with_passphrase(new_data_key())

    with pytest.raises(WrongRecoveryCode):
        slots.unwrap("recovery", generate_recovery_code())


def test_passphrase_slot_does_not_open_as_a_recovery_slot() -> None:
    """The slot kind is bound into the wrap: relabelling a slot makes it fail to open."""
    data_key = new_data_key()
    slots = _keyslots_with_passphrase(data_key)
    passphrase_slot = slots.slot("passphrase")
    assert passphrase_slot is not None
    relabelled = slots.with_slot(dataclasses.replace(passphrase_slot, kind="recovery"))

    with pytest.raises(WrongRecoveryCode):
        relabelled.unwrap("recovery", PASSPHRASE)


def test_slot_copied_from_another_vault_does_not_open() -> None:
    """The vault id is bound into the wrap: a slot only opens in the vault it was made for."""
    data_key = new_data_key()
    theirs = _keyslots_with_passphrase(data_key)
    slot = theirs.slot("passphrase")
    assert slot is not None
    ours = Keyslots.new(data_key).with_slot(slot)
    assert ours.vault_id != theirs.vault_id

    with pytest.raises(WrongPassphrase):
        ours.unwrap("passphrase", PASSPHRASE)


def test_keyslots_survive_a_save_and_load_in_a_private_file(tmp_path: Path) -> None:
    data_key = new_data_key()
    slots = _keyslots_with_passphrase(data_key)

    slots.save(tmp_path)
    loaded = Keyslots.load(tmp_path)

    assert loaded == slots
    assert loaded.unwrap("passphrase", PASSPHRASE) == data_key
    assert stat.S_IMODE((tmp_path / KEYSLOTS_FILE).stat().st_mode) == 0o600


def test_keyslots_file_holds_no_secret_in_clear(tmp_path: Path) -> None:
    data_key = new_data_key()
    code = generate_recovery_code()
    slots = _keyslots_with_passphrase(data_key)
    slots = slots.with_slot(slots.wrap("recovery", code, data_key, CHEAP_KDF))
    slots.save(tmp_path)
    content = (tmp_path / KEYSLOTS_FILE).read_bytes()

    for secret in (
        data_key,
        data_key.hex().encode(),
        data_key.hex().upper().encode(),
        base64.b64encode(data_key),
        PASSPHRASE.encode(),
        code.encode(),
        code.replace("-", "").encode(),
    ):
        assert secret not in content


def test_key_check_recognises_the_data_key_and_nothing_else() -> None:
    data_key = new_data_key()
    slots = Keyslots.new(data_key)

    assert slots.is_data_key(data_key)
    assert not slots.is_data_key(new_data_key())
    assert not slots.is_data_key(b"")


def test_keyslots_file_without_a_passphrase_slot_is_damaged(tmp_path: Path) -> None:
    Keyslots.new(new_data_key()).save(tmp_path)

    with pytest.raises(VaultDamaged, match=KEYSLOTS_FILE):
        Keyslots.load(tmp_path)


# -- KDF parameters in the file cannot be weakened -----------------------------------------------


@pytest.mark.parametrize(
    ("field", "weaker"),
    [("time_cost", 1), ("memory_kib", 16), ("parallelism", 1)],
)
def test_weakened_kdf_params_with_a_valid_checksum_make_the_slot_fail_to_open(
    tmp_path: Path, field: str, weaker: int
) -> None:
    data_key = new_data_key()
    _keyslots_with_passphrase(data_key, ROOMY_KDF).save(tmp_path)

    def weaken(body: dict[str, Any]) -> None:
        for slot in body["slots"]:
            slot["kdf"][field] = weaker

    _rewrite_with_valid_checksum(tmp_path / KEYSLOTS_FILE, weaken)
    loaded = Keyslots.load(tmp_path)  # the checksum holds, so this is not "damage"
    slot = loaded.slot("passphrase")
    assert slot is not None
    assert slot.kdf == dataclasses.replace(ROOMY_KDF, **{field: weaker})

    with pytest.raises(WrongPassphrase):
        loaded.unwrap("passphrase", PASSPHRASE)


def test_weakened_kdf_params_in_a_vault_keyslots_file_do_not_open_the_vault(created: tuple[Path, str]) -> None:
    folder, _code = created

    def weaken(body: dict[str, Any]) -> None:
        for slot in body["slots"]:
            slot["kdf"]["time_cost"] += 1  # any edit at all: the wrap is bound to its exact cost

    _rewrite_with_valid_checksum(folder / KEYSLOTS_FILE, weaken)

    with pytest.raises(WrongPassphrase):
        Vault.open(folder, PASSPHRASE)


# -- recovery codes ------------------------------------------------------------------------------


def test_recovery_code_is_seven_groups_of_four_crockford_symbols_with_at_least_128_bits() -> None:
    codes = {generate_recovery_code() for _ in range(200)}

    assert len(codes) == 200
    for code in codes:
        assert RECOVERY_CODE.fullmatch(code), code
        assert normalize_recovery_code(code) == code
    assert RECOVERY_CODE_BITS >= 128
    # 32 symbols carry 5 bits each; the code must really use the whole alphabet.
    used = set("".join(codes).replace("-", ""))
    assert used == set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")


@pytest.mark.parametrize(
    "typed",
    [
        CANONICAL_CODE,
        CANONICAL_CODE.lower(),
        CANONICAL_CODE.replace("-", " "),
        CANONICAL_CODE.replace("-", ""),
        CANONICAL_CODE.replace("-", "").lower(),
        "  " + CANONICAL_CODE.replace("-", "  ") + "\n",
        "0123-45 6789AB-cdef\tGHJK-MNPQ-RST1",
        CANONICAL_CODE.replace("0", "O"),
        CANONICAL_CODE.replace("0", "o"),
        CANONICAL_CODE.replace("1", "I"),
        CANONICAL_CODE.replace("1", "i"),
        CANONICAL_CODE.replace("1", "L"),
        CANONICAL_CODE.replace("1", "l"),
        CANONICAL_CODE.replace("-", "\u2013"),  # en dash, as a PDF viewer may copy it
        CANONICAL_CODE.replace("-", "\u2011"),  # non-breaking hyphen
        CANONICAL_CODE.replace("-", "\u2212"),  # minus sign
        CANONICAL_CODE.replace("-", "\u00a0"),  # no-break space
        CANONICAL_CODE.translate(str.maketrans("0123456789", "０１２３４５６７８９")),  # full-width digits
    ],
)
def test_recovery_code_as_typed_is_forgiven_case_spacing_dashes_and_look_alikes(typed: str) -> None:
    assert normalize_recovery_code(typed) == CANONICAL_CODE


@pytest.mark.parametrize("typed", ["UWXY-Z012-3456-789A-BCDE-FGHJ-KMNP", "uwxy z012 3456 789a bcde fghj kmnp"])
def test_a_u_typed_in_a_recovery_code_is_read_as_the_v_it_looks_like(typed: str) -> None:
    # The alphabet has no U, so a U can only be a V misread off the printed kit.
    assert normalize_recovery_code(typed) == "VWXY-Z012-3456-789A-BCDE-FGHJ-KMNP"


def test_a_recovery_code_typed_with_u_for_v_resets_the_passphrase(created: tuple[Path, str]) -> None:
    folder, code = created
    with Vault.open(folder, PASSPHRASE) as vault:
        for _ in range(50):  # each symbol is V one time in 32: a code without one is common
            if "V" in code:
                break
            code = vault.new_recovery_code(kdf=CHEAP_KDF)
    assert "V" in code

    Vault.recover(folder, code.replace("V", "u"), "a brand new passphrase", kdf=CHEAP_KDF).close()

    Vault.open(folder, "a brand new passphrase").close()


@pytest.mark.parametrize(
    "typed",
    [
        "",
        CANONICAL_CODE[:-1],  # 27 symbols
        CANONICAL_CODE + "2",  # 29 symbols
        CANONICAL_CODE[:-5],  # a group short
        CANONICAL_CODE.replace("A", "*"),
        CANONICAL_CODE.replace("A", "Ä"),
    ],
)
def test_malformed_recovery_code_is_refused_with_the_expected_shape(typed: str) -> None:
    with pytest.raises(WrongRecoveryCode) as caught:
        normalize_recovery_code(typed)

    message = str(caught.value)
    assert "28 letters and digits" in message
    assert "7 groups of 4" in message


# -- key derivation cost -------------------------------------------------------------------------


def test_kdf_floor_is_at_least_64_mib_and_3_passes() -> None:
    assert KDF_FLOOR.memory_kib >= 64 * 1024
    assert KDF_FLOOR.time_cost >= 3


@pytest.mark.usefixtures("real_kdf")
def test_calibration_on_a_fast_target_never_goes_below_the_floor() -> None:
    params = calibrate(target_seconds=0.01)

    assert params.memory_kib >= 64 * 1024
    assert params.time_cost >= 3
    assert params.memory_kib >= KDF_FLOOR.memory_kib
    assert params.time_cost >= KDF_FLOOR.time_cost
    assert params.parallelism >= 1


# -- the raw key ---------------------------------------------------------------------------------


def test_key_hex_is_64_lowercase_hex_digits_of_the_key() -> None:
    data_key = bytes(range(DATA_KEY_BYTES))

    text = key_hex(data_key)

    assert text == data_key.hex()
    assert re.fullmatch(r"[0-9a-f]{64}", text)


@pytest.mark.parametrize("length", [0, 1, 16, 31, 33, 64])
def test_key_hex_refuses_a_key_of_the_wrong_length(length: int) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        key_hex(b"\x01" * length)


def test_raw_key_literal_wraps_a_valid_key() -> None:
    text = "0123456789abcdef" * 4

    assert db.raw_key_literal(text) == f"x'{text}'"


@pytest.mark.parametrize(
    "candidate",
    [
        "00'; DROP TABLE x; --",
        "0" * 60 + "'; --",
        "0" * 63,
        "0" * 65,
        "",
        "ABCDEF0123456789" * 4,  # upper case
        "g" * 64,
        "0" * 64 + "\n",
        " " + "0" * 64,
        "x'" + "0" * 64 + "'",
        "0" * 32 + "' OR '1'='1" + "0" * 21,
        "０" * 64,  # fullwidth digits
    ],
)
def test_raw_key_literal_refuses_anything_but_64_lowercase_hex_digits(candidate: str) -> None:
    with pytest.raises(ValueError, match="64 lowercase hex digits"):
        db.raw_key_literal(candidate)
