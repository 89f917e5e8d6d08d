from dagster_project.lib.codes import is_valid_uscc, uscc_check_char

# 91350100M000100Y43 is the example USCC printed in GB 32100-2015 explanations (its check char is 3).
PUBLISHED_EXAMPLE = "91350100M000100Y43"


def test_published_example_has_a_valid_check_character():
    assert uscc_check_char(PUBLISHED_EXAMPLE[:17]) == "3"
    assert is_valid_uscc(PUBLISHED_EXAMPLE)


def test_a_changed_character_breaks_the_check():
    assert not is_valid_uscc(PUBLISHED_EXAMPLE[:17] + "4")
    assert not is_valid_uscc("91350100M000100Y4")  # too short
    assert not is_valid_uscc("91350100M000100I43")  # I is not in the alphabet


def test_check_value_31_maps_to_zero():
    # body chosen by hand so that sum(w*v) mod 31 == 0: all zeros → 31 - 0 = 31 → '0'
    assert uscc_check_char("0" * 17) == "0"
