import pytest
from nigrani_intake.catalog.districts import District, Districts, load_districts


def test_every_spelling_people_type_names_the_canonical_district() -> None:
    districts = load_districts()
    for typed in ("Lahore", "  LAHORE ", "لاہور", "\uff2c\uff41\uff48\uff4f\uff52\uff45"):
        assert districts.canonical(typed) == "Lahore", typed
    assert districts.canonical("D.G. Khan") == "Dera Ghazi Khan"
    assert districts.canonical("dera  ghazi khan") == "Dera Ghazi Khan"


def test_text_that_names_no_district_gives_none() -> None:
    districts = load_districts()
    assert districts.canonical("Ayesha Khan 03001234567") is None
    assert districts.canonical(None) is None


def test_a_spelling_shared_by_two_districts_is_refused_at_start_up() -> None:
    with pytest.raises(ValueError, match="names two districts"):
        Districts(
            [
                District(name="Hyderabad", name_ur="حیدرآباد"),
                District(name="Hyderabad Deccan", name_ur="x", aliases=("hyderabad",)),
            ]
        )
