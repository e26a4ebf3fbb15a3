"""National ids: Norwegian fødselsnummer and D-number, Danish CPR; identity fields checked together."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from kindred.care.tests.factories import fnr_for
from kindred.people.models import Person
from kindred.people.services import NationalId, PersonData, clean_person_data, parse_national_id

pytestmark = pytest.mark.django_db

NOT_VALID = "This is not a valid national id number. Check the digits, or leave the field empty."
WRONG_LENGTH = "A Norwegian national id or D-number has 11 digits; a Danish CPR number has 10 digits."
ONLY_DIGITS = "A national id has only digits (spaces and a hyphen are allowed)."


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def refusal(value: str) -> str:
    with pytest.raises(ValidationError) as caught:
        parse_national_id(value)
    return caught.value.messages[0]


def test_norwegian_fodselsnummer_gives_kind_and_birth_date():
    assert parse_national_id("15076500565") == NationalId("15076500565", Person.IdKind.FNR, date(1965, 7, 15))


def test_d_number_is_recognised_by_its_first_digit_and_gives_the_real_birth_date():
    assert parse_national_id("55076510007") == NationalId("55076510007", Person.IdKind.DNR, date(1965, 7, 15))


def test_danish_cpr_number_gives_kind_and_birth_date_from_the_century_digit():
    # The seventh digit 5 with year 62 means the 1800s (CPR rules); 4 with year 90 means the 1900s.
    assert parse_national_id("2110625629") == NationalId("2110625629", Person.IdKind.CPR, date(1862, 10, 21))
    assert parse_national_id("0101904000") == NationalId("0101904000", Person.IdKind.CPR, date(1990, 1, 1))


def test_child_born_this_century_is_recognised():
    born = timezone.localdate() - timedelta(days=400)
    number = fnr_for(born)
    assert parse_national_id(number) == NationalId(number, Person.IdKind.FNR, born)


@pytest.mark.parametrize(
    ("written", "number"),
    [("150765 00565", "15076500565"), ("150765-00565", "15076500565"), ("211062-5629", "2110625629")],
)
def test_spaces_and_a_hyphen_are_allowed_and_removed(written, number):
    assert parse_national_id(written).number == number


@pytest.mark.parametrize("value", ["15076500566", "15076500575", "55076510008"])
def test_wrong_checksum_is_refused(value):
    assert refusal(value) == NOT_VALID


def test_impossible_date_is_refused():
    assert refusal("31026500565") == NOT_VALID


def test_birth_date_in_the_future_is_refused():
    assert refusal(fnr_for(timezone.localdate() + timedelta(days=2))) == NOT_VALID


@pytest.mark.parametrize("value", ["150765005", "150765005650", "1", "1234567890123"])
def test_wrong_length_is_refused(value):
    assert refusal(value) == WRONG_LENGTH


@pytest.mark.parametrize("value", ["1507650056A", "15O76500565", "abcdefghijk", "15.07.65 00565", "+4715076500565"])
def test_letters_and_other_characters_are_refused(value):
    assert refusal(value) == ONLY_DIGITS


def test_clean_person_data_compacts_the_number_and_derives_birth_date_and_year():
    data = clean_person_data(PersonData(given_name="Pia", national_id="150765 00565"))
    assert (data.national_id, data.birth_date, data.birth_year) == ("15076500565", date(1965, 7, 15), 1965)


def test_clean_person_data_accepts_a_birth_date_matching_the_national_id():
    data = clean_person_data(PersonData(national_id="15076500565", birth_date=date(1965, 7, 15)))
    assert data.birth_date == date(1965, 7, 15)


def test_clean_person_data_refuses_a_birth_date_that_does_not_match_the_national_id():
    with pytest.raises(ValidationError) as caught:
        clean_person_data(PersonData(national_id="15076500565", birth_date=date(1965, 7, 16)))
    assert caught.value.message_dict == {"birth_date": ["The birth date does not match the national id."]}


def test_clean_person_data_names_the_national_id_field_when_the_number_is_invalid():
    with pytest.raises(ValidationError) as caught:
        clean_person_data(PersonData(national_id="15076500566"))
    assert caught.value.message_dict == {"national_id": [NOT_VALID]}


def test_clean_person_data_refuses_a_future_birth_date():
    with pytest.raises(ValidationError) as caught:
        clean_person_data(PersonData(birth_date=timezone.localdate() + timedelta(days=1)))
    assert caught.value.message_dict["birth_date"] == ["The birth date cannot be in the future."]


def test_clean_person_data_accepts_today_as_birth_date():
    today = timezone.localdate()
    assert clean_person_data(PersonData(birth_date=today)).birth_year == today.year


@pytest.mark.parametrize("year", [1899, 1066, 0])
def test_clean_person_data_refuses_a_birth_year_before_1900(year):
    with pytest.raises(ValidationError) as caught:
        clean_person_data(PersonData(birth_year=year))
    assert caught.value.message_dict == {"birth_year": ["Give a birth year between 1900 and this year."]}


def test_clean_person_data_refuses_a_birth_year_after_this_year():
    with pytest.raises(ValidationError) as caught:
        clean_person_data(PersonData(birth_year=timezone.localdate().year + 1))
    assert set(caught.value.message_dict) == {"birth_year"}


@pytest.mark.parametrize("year", [1900, "this year"])
def test_clean_person_data_accepts_birth_years_at_the_edges_of_the_range(year):
    year = timezone.localdate().year if year == "this year" else year
    assert clean_person_data(PersonData(birth_year=year)).birth_year == year


def test_clean_person_data_refuses_a_national_id_of_someone_born_before_1900():
    with pytest.raises(ValidationError) as caught:
        clean_person_data(PersonData(national_id="2110625629"))
    assert set(caught.value.message_dict) == {"birth_year"}


def test_clean_person_data_refuses_a_birth_year_that_does_not_match_the_birth_date():
    with pytest.raises(ValidationError) as caught:
        clean_person_data(PersonData(birth_date=date(1980, 5, 1), birth_year=1981))
    assert caught.value.message_dict == {"birth_year": ["The birth year does not match the birth date."]}


def test_clean_person_data_accepts_a_person_without_any_identifiers():
    data = clean_person_data(PersonData())
    assert (data.national_id, data.birth_date, data.birth_year) == ("", None, None)
